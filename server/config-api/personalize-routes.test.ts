import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TEST_PROJECT_UID, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { apiCaller, draftFor, MANAGEMENT_TOKEN } from "./test-support.ts";

const WRONG_PROJECT_UID = "0123456789abcdef01234567";

let stack: TestStack;
let installation: TestInstallation;
let withoutToken: TestInstallation;
let api: ReturnType<typeof apiCaller>;

beforeAll(async () => {
  stack = await startTestStack({
    fixtures: {
      projects: [
        {
          uid: TEST_PROJECT_UID,
          name: "Test project",
          managementTokens: [MANAGEMENT_TOKEN],
          attributes: [{ key: "plan", name: "Plan" }],
          events: [{ key: "order_completed", name: "Order completed" }],
          audiences: [
            {
              name: "Pro users",
              definition: {
                __type: "RuleCombination",
                combinationType: "AND",
                rules: [
                  {
                    __type: "Rule",
                    attribute: { __type: "CustomAttributeReference", ref: "plan" },
                    attributeMatchCondition: "STRING_EQUALS",
                    attributeMatchOptions: { value: "pro" },
                    invertCondition: false,
                  },
                ],
              },
            },
          ],
          experiences: [{ shortUid: "0", name: "Hero", __type: "AB_TEST", variants: [{ shortUid: "0", name: "A" }] }],
        },
      ],
    },
  });
  installation = await stack.install({ serverConfiguration: { personalizeManagementToken: MANAGEMENT_TOKEN } });
  withoutToken = await stack.install();
  api = apiCaller(installation);
});
beforeEach(() => stack.personalize.reset());
afterAll(() => stack.close());

const managementRequests = () => stack.personalize.requests().filter((r) => r.path.startsWith("/management/"));

describe("POST /api/personalize/test-connection", () => {
  it("finds the project on the Edge API and checks the saved token when the draft leaves it empty", async () => {
    const answer = await api.post("/api/personalize/test-connection", draftFor(stack));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      edge: { ok: true, status: 200, message: "project found, 1 experience" },
      management: { ok: true, status: 200, message: "9 attributes" },
      segment: null,
    });
    const [manifest] = stack.personalize.requests({ path: "/manifest" });
    expect(manifest.method).toBe("GET");
    expect(manifest.headers["x-project-uid"]).toBe(TEST_PROJECT_UID);
    const [list] = managementRequests();
    expect(list.path).toBe("/management/attributes");
    expect(list.headers.authtoken).toBe(MANAGEMENT_TOKEN);
    expect(list.headers.authorization).toBeUndefined();
    expect(list.headers["x-project-uid"]).toBe(TEST_PROJECT_UID);
  });

  it("sends a draft OAuth token as authorization: Bearer", async () => {
    const answer = await api.post(
      "/api/personalize/test-connection",
      draftFor(stack, { serverConfiguration: { personalizeManagementToken: MANAGEMENT_TOKEN, personalizeManagementTokenType: "bearer" } }),
    );
    expect(answer.body.management).toEqual({ ok: true, status: 200, message: "9 attributes" });
    const [list] = managementRequests();
    expect(list.headers.authorization).toBe(`Bearer ${MANAGEMENT_TOKEN}`);
    expect(list.headers.authtoken).toBeUndefined();
  });

  it("reports an unknown project UID in this region", async () => {
    const answer = await api.post("/api/personalize/test-connection", draftFor(stack, { personalize: { projectUid: WRONG_PROJECT_UID } }));
    expect(answer.status).toBe(200);
    expect(answer.body.edge).toEqual({ ok: false, status: 404, message: "project UID not found in this region" });
    expect(answer.body.management).toMatchObject({ ok: false, status: 401 });
  });

  it("reports a rejected token in the body, never as an HTTP 401 of ours", async () => {
    const answer = await api.post(
      "/api/personalize/test-connection",
      draftFor(stack, { serverConfiguration: { personalizeManagementToken: "not-the-token" } }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.edge.ok).toBe(true);
    expect(answer.body.management).toMatchObject({ ok: false, status: 401 });
    expect(answer.body.management.message).toMatch(/^token rejected/);
  });

  it("answers management null when no token is saved or typed", async () => {
    const answer = await apiCaller(withoutToken).post("/api/personalize/test-connection", draftFor(stack));
    expect(answer.body).toEqual({ edge: { ok: true, status: 200, message: "project found, 1 experience" }, management: null, segment: null });
    expect(managementRequests()).toEqual([]);
  });

  it("asks for the custom Management URL when a token is there but nowhere to check it", async () => {
    const answer = await api.post("/api/personalize/test-connection", draftFor(stack, { personalize: { customManagementUrl: "" } }));
    expect(answer.body).toEqual({
      edge: { ok: true, status: 200, message: "project found, 1 experience" },
      management: { ok: false, status: null, message: "set the custom Management API URL to check the token" },
      segment: null,
    });
  });

  it("reports a token check still rate-limited after its retries, and a broken Edge connection, with their reasons", async () => {
    stack.personalize.addFault({ route: "GET /management/attributes", kind: "rate-limit", retryAfterSeconds: 1, times: 3 });
    stack.personalize.addFault({ route: "GET /manifest", kind: "reset", times: 1 });
    const answer = await api.post("/api/personalize/test-connection", draftFor(stack));
    expect(answer.status).toBe(200);
    expect(answer.body.management).toEqual({ ok: false, status: 429, message: "rate limited, retry in a few seconds" });
    expect(answer.body.edge).toMatchObject({ ok: false, status: null });
    expect(answer.body.edge.message).toMatch(/connection reset|network error/);
  });

  it("masks the token if Personalize echoes it in an error", async () => {
    stack.personalize.addFault({
      route: "GET /management/attributes",
      kind: "status",
      status: 401,
      times: 1,
      body: JSON.stringify({ message: `Invalid authtoken ${MANAGEMENT_TOKEN}` }),
    });
    const answer = await api.post("/api/personalize/test-connection", draftFor(stack));
    expect(answer.body.management.message).toBe("token rejected: Invalid authtoken ••••oken");
  });

  it.each([
    ["a link-local Edge URL", { customEdgeUrl: "http://169.254.169.254" }, /custom Edge URL host "169\.254\.169\.254" is not a Contentstack Personalize host/],
    ["a plain-HTTP lookalike of a regional host", { customEdgeUrl: "http://personalize-edge.contentstack.com" }, /custom Edge URL must use https/],
    ["a link-local Management URL", { customManagementUrl: "http://169.254.169.254/latest/meta-data" }, /custom Management URL host/],
  ])("refuses %s without sending any request", async (_label, personalize, message) => {
    const answer = await api.post("/api/personalize/test-connection", draftFor(stack, { personalize }));
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(message);
    expect(stack.personalize.requests()).toEqual([]);
  });

  it("names the invalid field of the draft", async () => {
    const missing = await api.post("/api/personalize/test-connection", draftFor(stack, { personalize: { projectUid: "" } }));
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe("configuration › personalize › projectUid: is required");
    const malformed = await api.post("/api/personalize/test-connection", draftFor(stack, { personalize: { projectUid: "short" } }));
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/^configuration › personalize › projectUid: must be the 24-character project UID/);
    const badType = await api.post(
      "/api/personalize/test-connection",
      draftFor(stack, { serverConfiguration: { personalizeManagementTokenType: "basic" as never } }),
    );
    expect(badType.status).toBe(400);
    expect(badType.body.message).toMatch(/^serverConfiguration › personalizeManagementTokenType: /);
  });
});

describe("POST /api/personalize/catalog", () => {
  it("lists the project's attributes (PRESET and CUSTOM), events and audiences", async () => {
    const answer = await api.post("/api/personalize/catalog", draftFor(stack));
    expect(answer.status).toBe(200);
    expect(answer.body.attributes).toContainEqual({ uid: "COUNTRY", key: "COUNTRY", name: "Country", type: "PRESET" });
    expect(answer.body.attributes).toContainEqual({ uid: expect.stringMatching(/^[0-9a-f]{24}$/), key: "plan", name: "Plan", type: "CUSTOM" });
    expect(answer.body.attributes).toHaveLength(9);
    expect(answer.body.events).toEqual([{ uid: expect.stringMatching(/^[0-9a-f]{24}$/), key: "order_completed", name: "Order completed" }]);
    expect(answer.body.audiences).toEqual([{ uid: expect.stringMatching(/^[0-9a-f]{24}$/), name: "Pro users" }]);
    expect(managementRequests().map((r) => r.path).sort()).toEqual(["/management/attributes", "/management/audiences", "/management/events"]);
  });

  it("answers 422, not 401, when Personalize rejects the token", async () => {
    const answer = await api.post("/api/personalize/catalog", draftFor(stack, { serverConfiguration: { personalizeManagementToken: "not-the-token" } }));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toBe("token_rejected");
    expect(answer.body.message).toMatch(/^Personalize rejected the Management API token: You're not allowed in here/);
  });

  it("answers 400 naming what the draft lacks", async () => {
    const noToken = await apiCaller(withoutToken).post("/api/personalize/catalog", draftFor(stack));
    expect(noToken.status).toBe(400);
    expect(noToken.body.message).toBe("serverConfiguration › personalizeManagementToken: is required to use the Management API");
    const noUrl = await api.post("/api/personalize/catalog", draftFor(stack, { personalize: { customManagementUrl: "" } }));
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.message).toBe("configuration › personalize › customManagementUrl: is required to use the Management API");
    expect(stack.personalize.requests()).toEqual([]);
  });

  it("answers 502 with the upstream message when Personalize fails", async () => {
    stack.personalize.addFault({ route: "GET /management/events", kind: "status", status: 503, times: 1 });
    const answer = await api.post("/api/personalize/catalog", draftFor(stack));
    expect(answer.status).toBe(502);
    expect(answer.body.message).toMatch(/^Personalize Management API answered HTTP 503: /);
  });

  it("keeps within 10 requests per second per organization, so 15 Management calls all succeed", async () => {
    stack.personalize.setStrictness(TEST_PROJECT_UID, { rateLimitPerSecond: 10 });
    try {
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 5 }, () => api.post("/api/personalize/catalog", draftFor(stack))));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      // Requests a busy machine delivered bunched together may meet a 429 and are then sent again.
      const statuses = managementRequests().map((r) => r.response?.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(15);
      expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    } finally {
      stack.personalize.setStrictness(TEST_PROJECT_UID, { rateLimitPerSecond: null });
    }
  });
});

describe("POST /api/personalize/create", () => {
  const mappedDraft = () =>
    draftFor(stack, {
      configuration: {
        attributeMappings: [{ id: "tier", source: "traits.tier", attribute: "plan_tier" }],
        eventMappings: [{ id: "signup", source: "track", segmentEvent: "Signed Up", personalizeEvent: "signed_up" }],
      },
    });

  it("creates a mapped attribute that then appears in the catalog; a second create is a 409", async () => {
    const created = await api.post("/api/personalize/create", { ...mappedDraft(), kind: "attribute", key: "plan_tier", name: "Plan tier" });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ uid: expect.stringMatching(/^[0-9a-f]{24}$/), key: "plan_tier", name: "Plan tier", type: "CUSTOM" });
    const [post] = managementRequests().filter((r) => r.method === "POST");
    expect(post.path).toBe("/management/attributes");
    expect(JSON.parse(post.body)).toEqual({ name: "Plan tier", key: "plan_tier", description: "" });
    expect(post.headers["content-type"]).toBe("application/json");

    const catalog = await api.post("/api/personalize/catalog", draftFor(stack));
    expect(catalog.body.attributes.map((a: { key: string }) => a.key)).toContain("plan_tier");

    const duplicate = await api.post("/api/personalize/create", { ...mappedDraft(), kind: "attribute", key: "plan_tier" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toMatch(/Attribute with key "plan_tier" already exists/);
  });

  it("creates a mapped event with key and description only", async () => {
    const created = await api.post("/api/personalize/create", { ...mappedDraft(), kind: "event", key: "signed_up", name: "ignored", description: "Sign-ups" });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ uid: expect.stringMatching(/^[0-9a-f]{24}$/), key: "signed_up", name: "signed_up" });
    const [post] = managementRequests().filter((r) => r.method === "POST");
    expect(post.path).toBe("/management/events");
    expect(JSON.parse(post.body)).toEqual({ key: "signed_up", description: "Sign-ups" });
  });

  it("refuses keys the draft does not map, and names invalid fields, without calling Personalize", async () => {
    const unmapped = await api.post("/api/personalize/create", { ...mappedDraft(), kind: "attribute", key: "signed_up" });
    expect(unmapped.status).toBe(400);
    expect(unmapped.body.message).toBe('key: "signed_up" is not a target of the attribute mappings; only mapped keys can be created');
    const badKind = await api.post("/api/personalize/create", { ...mappedDraft(), kind: "audience", key: "plan_tier" });
    expect(badKind.status).toBe(400);
    expect(badKind.body.message).toBe('kind: must be "attribute" or "event"');
    const noKey = await api.post("/api/personalize/create", { ...mappedDraft(), kind: "event", key: " " });
    expect(noKey.status).toBe(400);
    expect(noKey.body.message).toBe("key: is required");
    expect(stack.personalize.requests()).toEqual([]);
  });
});
