import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPersonalizeEmulator, type PersonalizeEmulator } from "./index.ts";
import { audience, edgeHeaders, OTHER_PROJECT, patchAttributes, project, PROJECT, rule, TOKEN } from "./test-support.ts";

const ORGANIZATION = "organization000000000001";
let emulator: PersonalizeEmulator;
/** When set, the emulator's clock stands still at this instant. */
let frozenAt: number | null = null;

beforeAll(async () => {
  emulator = await startPersonalizeEmulator({
    clock: () => frozenAt ?? Date.now(),
    fixtures: {
      projects: [
        project({
          name: "Storefront",
          organizationUid: ORGANIZATION,
          connectedStackApiKey: "blt-stack-1",
          audiences: [audience("High value", "AND", [rule({ key: "lifetime_value", condition: "NUMBER_GREATER_THAN", value: 100 })])],
          experiences: [{ shortUid: "0", name: "Hero", __type: "SEGMENTED", variants: [{ shortUid: "0", name: "v", audiences: ["High value"] }] }],
        }),
        project({ uid: OTHER_PROJECT, organizationUid: ORGANIZATION, managementTokens: ["other-token"] }),
      ],
    },
  });
});
afterAll(() => emulator.close());
beforeEach(() => {
  frozenAt = null;
  emulator.reset();
});

function management(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  return fetch(`${emulator.managementUrl}${path}`, {
    method: init.method ?? "GET",
    headers: init.headers ?? { authtoken: TOKEN, "x-project-uid": PROJECT, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

describe("authentication", () => {
  it.each([
    ["no credentials", { "x-project-uid": PROJECT }],
    ["both authtoken and Bearer", { authtoken: TOKEN, authorization: `Bearer ${TOKEN}`, "x-project-uid": PROJECT }],
    ["a non-Bearer authorization", { authorization: `Basic ${TOKEN}`, "x-project-uid": PROJECT }],
    ["an unknown token", { authtoken: "wrong", "x-project-uid": PROJECT }],
    ["another project's token", { authtoken: "other-token", "x-project-uid": PROJECT }],
    ["no x-project-uid", { authtoken: TOKEN }],
    ["an unknown project", { authtoken: TOKEN, "x-project-uid": "unknownproject0000000000" }],
  ])("answers 401 to %s", async (_label, headers) => {
    const response = await management("/attributes", { headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe("personalize.ATTRIBUTES.UNAUTHORIZED");
  });

  it("accepts the token as authtoken or as an OAuth Bearer token", async () => {
    expect((await management("/events", { headers: { authtoken: TOKEN, "x-project-uid": PROJECT } })).status).toBe(200);
    expect((await management("/events", { headers: { Authorization: `Bearer ${TOKEN}`, "X-Project-Uid": PROJECT } })).status).toBe(200);
  });
});

describe("lists", () => {
  it("lists PRESET and CUSTOM attributes as a bare array", async () => {
    const response = await management("/attributes");
    expect(response.status).toBe(200);
    const attributes = (await response.json()) as Array<Record<string, unknown>>;
    expect(attributes.filter((a) => a.__type === "PRESET").map((a) => a.uid)).toEqual([
      "COUNTRY",
      "REGION",
      "CITY",
      "DEVICE_TYPE",
      "OPERATING_SYSTEM",
      "QUERY_PARAMETERS",
      "REFERRER",
      "DATE_AND_TIME",
    ]);
    const custom = attributes.filter((a) => a.__type === "CUSTOM");
    expect(custom.map((a) => a.key)).toEqual(["plan", "lifetime_value", "first_time_shopper", "email_domain"]);
    expect(custom[0]).toMatchObject({ name: "plan", description: "", project: PROJECT, uid: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(custom[0]!._id).toBe(custom[0]!.uid);
    expect(Date.parse(custom[0]!.createdAt as string)).not.toBeNaN();
    expect(custom[0]).not.toHaveProperty("type");
  });

  it("keeps fixture uids stable across resets", async () => {
    const uids = async () => ((await (await management("/attributes")).json()) as Array<{ uid: string }>).map((a) => a.uid);
    const before = await uids();
    emulator.reset();
    expect(await uids()).toEqual(before);
    expect(new Set(before).size).toBe(before.length);
  });

  it("lists events, audiences (with attribute uids in rules) and experiences", async () => {
    const events = (await (await management("/events")).json()) as Array<Record<string, unknown>>;
    expect(events.map((e) => e.key)).toEqual(["Order Completed", "clickCTA"]);

    const attributes = (await (await management("/attributes")).json()) as Array<{ key: string; uid: string }>;
    const ltvUid = attributes.find((a) => a.key === "lifetime_value")!.uid;
    const audiences = (await (await management("/audiences")).json()) as Array<Record<string, unknown>>;
    expect(audiences).toHaveLength(1);
    expect(audiences[0]).toMatchObject({
      name: "High value",
      project: PROJECT,
      definition: {
        __type: "RuleCombination",
        combinationType: "AND",
        rules: [
          {
            __type: "Rule",
            attribute: { __type: "CustomAttributeReference", ref: ltvUid },
            attributeMatchCondition: "NUMBER_GREATER_THAN",
            attributeMatchOptions: { value: 100 },
            invertCondition: false,
          },
        ],
      },
    });

    const experiences = (await (await management("/experiences")).json()) as Array<Record<string, unknown>>;
    expect(experiences[0]).toMatchObject({
      shortUid: "0",
      name: "Hero",
      __type: "SEGMENTED",
      status: "ACTIVE",
      variants: [{ shortUid: "0", name: "v", audiences: [audiences[0]!.uid], audienceCombinationType: "OR" }],
    });
  });

  it("lists the organization's projects the token may see", async () => {
    const headers = { authtoken: TOKEN, organization_uid: ORGANIZATION };
    const projects = (await (await management("/projects", { headers })).json()) as Array<Record<string, unknown>>;
    expect(projects).toEqual([
      expect.objectContaining({ uid: PROJECT, name: "Storefront", organizationUid: ORGANIZATION, audienceCount: 1, activeExperienceCount: 1 }),
    ]);
    expect(await (await management("/projects?connectedStackApiKey=blt-other", { headers })).json()).toEqual([]);
    expect((await management("/projects", { headers: { authtoken: TOKEN } })).status).toBe(401);
  });

  it("answers unknown management paths with 404", async () => {
    const response = await management("/variants");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe("personalize.ROUTE.NOT_FOUND");
  });
});

describe("creating attributes and events", () => {
  it("creates an attribute with a generated uid, __type CUSTOM and timestamps, and lists it", async () => {
    const response = await management("/attributes", {
      method: "POST",
      body: { name: "Total revenue", key: "total_revenue_180_days", description: "Segment total_revenue_180_days" },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      name: "Total revenue",
      key: "total_revenue_180_days",
      description: "Segment total_revenue_180_days",
      project: PROJECT,
      __type: "CUSTOM",
      uid: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(Date.parse(created.createdAt as string)).toBeGreaterThanOrEqual(emulator.requests().at(-1)!.receivedAt);
    expect(Date.parse(created.createdAt as string)).toBeLessThanOrEqual(Date.now());
    expect(created.updatedAt).toBe(created.createdAt);
    const listed = (await (await management("/attributes")).json()) as Array<{ uid: string }>;
    expect(listed.at(-1)).toEqual(created);
  });

  it("feeds created keys into the Edge strict checks", async () => {
    emulator.setStrictness(PROJECT, { rejectUndefinedAttributes: true, rejectUnknownEventKeys: true });
    expect((await patchAttributes(emulator, "u1", { vip: true })).status).toBe(400);
    await management("/attributes", { method: "POST", body: { name: "VIP", key: "vip" } });
    expect((await patchAttributes(emulator, "u1", { vip: true })).status).toBe(200);

    const sendEvent = () =>
      fetch(`${emulator.url}/events`, { method: "POST", headers: edgeHeaders("u1"), body: '[{"eventKey":"Signed Up","type":"EVENT"}]' });
    expect((await sendEvent()).status).toBe(400);
    const created = await management("/events", { method: "POST", body: { key: "Signed Up", description: "Segment Signed Up" } });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ key: "Signed Up", description: "Segment Signed Up", project: PROJECT });
    expect((await sendEvent()).status).toBe(200);
  });

  it("does not confuse the Edge POST /events with the Management one", async () => {
    const edge = await fetch(`${emulator.url}/events`, {
      method: "POST",
      headers: { ...edgeHeaders("u1"), authtoken: TOKEN },
      body: '{"key":"Not an edge body"}',
    });
    expect(edge.status).toBe(400);
    const events = (await (await management("/events")).json()) as unknown[];
    expect(events).toHaveLength(2);
  });

  it.each([
    ["/attributes", { key: "age" }, { name: "name is required" }],
    ["/attributes", { name: "Age", key: "" }, { key: "key is required" }],
    ["/attributes", { name: "Age", key: "age", description: 5 }, { description: "description must be a string" }],
    ["/events", { description: "no key" }, { key: "key is required" }],
  ])("rejects POST %s %j with field errors", async (path, body, errors) => {
    const response = await management(path, { method: "POST", body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors });
  });

  it("answers a duplicate key with the configured status and error field", async () => {
    const create = () => management("/attributes", { method: "POST", body: { name: "Plan", key: "plan" } });
    const first = await create();
    expect(first.status).toBe(409);
    expect(await first.json()).toEqual({ error: "personalize.ATTRIBUTES.DUPLICATE_KEY", message: 'Attribute with key "plan" already exists' });

    emulator.setStrictness(PROJECT, { duplicateKeyStatus: 422, duplicateKeyBody: "errors" });
    const second = await create();
    expect(second.status).toBe(422);
    expect(await second.json()).toEqual({ errors: { key: 'Attribute with key "plan" already exists' } });

    emulator.setStrictness(PROJECT, { duplicateKeyStatus: 400, duplicateKeyBody: "message" });
    const third = await management("/events", { method: "POST", body: { key: "clickCTA" } });
    expect(third.status).toBe(400);
    expect(await third.json()).toEqual({ message: 'Event with key "clickCTA" already exists' });
  });

  it("enforces the item cap when configured", async () => {
    emulator.setStrictness(PROJECT, { itemCap: 5 });
    expect((await management("/attributes", { method: "POST", body: { name: "Fifth", key: "fifth" } })).status).toBe(201);
    const capped = await management("/attributes", { method: "POST", body: { name: "Sixth", key: "sixth" } });
    expect(capped.status).toBe(400);
    expect(((await capped.json()) as { error: string }).error).toBe("personalize.ATTRIBUTES.LIMIT_EXCEEDED");
    expect((await management("/events", { method: "POST", body: { key: "Third" } })).status).toBe(201);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After beyond the per-organization limit, shared by its projects", async () => {
    emulator.setDefaultStrictness({ rateLimitPerSecond: 3 });
    frozenAt = Date.now();
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) statuses.push((await management("/events")).status);
    const limited = await management("/events", { headers: { authtoken: "other-token", "x-project-uid": OTHER_PROJECT } });
    expect(statuses).toEqual([200, 200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(((await limited.json()) as { error: string }).error).toBe("personalize.EVENTS.TOO_MANY_REQUESTS");

    frozenAt += 999;
    expect((await management("/events")).status).toBe(429);
    frozenAt += 1;
    expect((await management("/events")).status).toBe(200);
  });

  it("does not limit the Edge API", async () => {
    emulator.setDefaultStrictness({ rateLimitPerSecond: 1 });
    const statuses = await Promise.all(Array.from({ length: 5 }, (_, index) => patchAttributes(emulator, `u${index}`, {})));
    expect(statuses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
  });
});
