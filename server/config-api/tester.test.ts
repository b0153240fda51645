import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConfigurationInput } from "../../src/shared/installation-config.ts";
import { TEST_PROJECT_UID, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { apiCaller, draftFor, MANAGEMENT_TOKEN } from "./test-support.ts";

let stack: TestStack;
let installation: TestInstallation;
let api: ReturnType<typeof apiCaller>;

const MAPPINGS: ConfigurationInput = {
  attributeMappings: [
    { id: "plan", source: "traits.plan", attribute: "plan", type: "string" },
    { id: "ltv", source: "traits.ltv", attribute: "lifetime_value", type: "number" },
    { id: "revenue", source: "properties.revenue", attribute: "last_order_revenue", type: "number" },
  ],
  eventMappings: [{ id: "order", source: "track", segmentEvent: "Order Completed", personalizeEvent: "order_completed" }],
};

beforeAll(async () => {
  stack = await startTestStack();
  // Saved without mappings: the tester must use the draft it is sent, not the saved configuration.
  installation = await stack.install({ serverConfiguration: { personalizeManagementToken: MANAGEMENT_TOKEN } });
  api = apiCaller(installation);
});
beforeEach(() => stack.personalize.reset());
afterAll(() => stack.close());

const draft = (configuration: ConfigurationInput = MAPPINGS) => draftFor(stack, { configuration });
const preview = (event: unknown, configuration?: ConfigurationInput) =>
  api.post("/api/tester/preview", { configuration: draft(configuration).configuration, event });
const edgeHeaders = (userUid: string) => ({
  "content-type": "application/json",
  "x-project-uid": TEST_PROJECT_UID,
  "x-cs-personalize-user-uid": userUid,
  "x-cs-eclipse-user-uid": userUid,
});

describe("POST /api/tester/preview", () => {
  it("shows the exact PATCH for a pasted identify, with the rows that produced each attribute, and sends nothing", async () => {
    const answer = await preview({
      type: "identify",
      userId: "user-123",
      traits: { plan: "pro", ltv: "120.5", email: "ada@example.com" },
      timestamp: "2026-05-06T09:30:22.829Z",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.requests).toEqual([
      {
        kind: "attributes",
        method: "PATCH",
        url: `${stack.personalize.url}/user-attributes`,
        headers: edgeHeaders("user-123"),
        body: { plan: "pro", lifetime_value: 120.5 },
        sources: { plan: "row:plan", lifetime_value: "row:ltv" },
      },
    ]);
    expect(answer.body.mapping).toMatchObject({
      userUid: "user-123",
      filtered: null,
      engage: null,
      operations: [{ kind: "attributes", attributes: { plan: "pro", lifetime_value: 120.5 }, timestamp: "2026-05-06T09:30:22.829Z" }],
    });
    expect(stack.personalize.requests()).toEqual([]);
  });

  it("shows a track's attribute PATCH and its mapped event POST, in the engine's order", async () => {
    const answer = await preview({ type: "track", userId: "user-7", event: "Order Completed", properties: { revenue: 42 } });
    expect(answer.status).toBe(200);
    expect(answer.body.requests).toEqual([
      {
        kind: "attributes",
        method: "PATCH",
        url: `${stack.personalize.url}/user-attributes`,
        headers: edgeHeaders("user-7"),
        body: { last_order_revenue: 42 },
        sources: { last_order_revenue: "row:revenue" },
      },
      {
        kind: "events",
        method: "POST",
        url: `${stack.personalize.url}/events`,
        headers: edgeHeaders("user-7"),
        body: [{ eventKey: "order_completed", type: "EVENT" }],
        sources: ["row:order"],
      },
    ]);
  });

  it("shows an Engage audience identify as the audience attribute only, with the Engage computation", async () => {
    const answer = await preview({
      type: "identify",
      messageId: "personas_2abc",
      userId: "u123",
      traits: { first_time_shopper: true, email: "a@example.com" },
      context: {
        personas: {
          computation_class: "audience",
          computation_id: "aud_2g5",
          computation_key: "first_time_shopper",
          namespace: "spa_9x",
          space_id: "spa_9x",
        },
      },
      integrations: { All: false, "Webhooks (Actions)": true },
      timestamp: "2026-05-06T09:30:22.829Z",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.requests).toEqual([
      {
        kind: "attributes",
        method: "PATCH",
        url: `${stack.personalize.url}/user-attributes`,
        headers: edgeHeaders("u123"),
        body: { first_time_shopper: true },
        sources: { first_time_shopper: "engage:first_time_shopper" },
      },
    ]);
    expect(answer.body.mapping.engage).toMatchObject({ computationKey: "first_time_shopper" });
  });

  it("explains an event that maps to nothing", async () => {
    const answer = await preview({ type: "track", userId: "u1", event: "Unmapped Thing" });
    expect(answer.status).toBe(200);
    expect(answer.body.requests).toEqual([]);
    expect(answer.body.mapping.filtered).toEqual({ reason: 'no mapping matched track "Unmapped Thing"' });
  });

  it.each([
    ["a track without its event name", { type: "track", userId: "u1" }, "event: event is required for track and must be a string"],
    ["an event without any user id", { type: "identify", traits: {} }, "event: userId or anonymousId is required (no_user_anon_id)"],
    ["an unknown call type", { type: "purchase", userId: "u1" }, 'event: type "purchase" is not a Segment call type'],
    ["a non-object", "identify", "event: each event must be a JSON object"],
  ])("refuses %s as ingest would, naming the field", async (_label, event, message) => {
    const answer = await preview(event);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe(message);
  });

  it("names the invalid draft field and refuses a host outside the allowlist", async () => {
    const badRow = await preview({ type: "identify", userId: "u1" }, { attributeMappings: [{ id: "x", source: "payload.plan", attribute: "plan" }] });
    expect(badRow.status).toBe(400);
    expect(badRow.body.message).toMatch(/^configuration › attributeMappings › row 1 › source: must start with traits\./);

    const ssrf = await api.post("/api/tester/preview", {
      configuration: draftFor(stack, { configuration: MAPPINGS, personalize: { customEdgeUrl: "http://169.254.169.254" } }).configuration,
      event: { type: "identify", userId: "u1", traits: { plan: "pro" } },
    });
    expect(ssrf.status).toBe(400);
    expect(ssrf.body.message).toMatch(/custom Edge URL host "169\.254\.169\.254" is not a Contentstack Personalize host/);
  });
});

describe("POST /api/tester/send", () => {
  const testerRows = async () =>
    (await stack.server.store.queryLog({ installationUid: installation.uid, directions: ["personalize"], limit: 50 })).filter(
      (row) => row.detail.trigger === "tester",
    );

  it("delivers the previewed requests to Personalize and logs each as a tester send", async () => {
    const event = { type: "track", userId: "sender-1", event: "Order Completed", properties: { revenue: 99 } };
    const previewed = await preview(event);
    const answer = await api.post("/api/tester/send", { ...draft(), event });
    expect(answer.status).toBe(200);
    const { requests } = answer.body;
    expect(requests.map(({ response: _response, error: _error, ...request }: Record<string, unknown>) => request)).toEqual(previewed.body.requests);
    expect(requests.map((r: { response: { status: number } }) => r.response.status)).toEqual([200, 200]);
    expect(requests.map((r: { error: unknown }) => r.error)).toEqual([null, null]);
    expect(requests[0].response.body).toBe("User Attributes added successfully");
    expect(requests[0].response.latencyMs).toEqual(expect.any(Number));

    expect(stack.personalize.userAttributes(TEST_PROJECT_UID, "sender-1")).toEqual({ last_order_revenue: 99 });
    expect(stack.personalize.userEvents(TEST_PROJECT_UID, "sender-1")).toEqual([expect.objectContaining({ eventKey: "order_completed" })]);

    const rows = await testerRows();
    expect(rows.filter((row) => row.userId === "sender-1").map((row) => [row.eventType, row.status, row.httpStatus])).toEqual([
      ["events", "delivered", 200],
      ["attributes", "delivered", 200],
    ]);
    const patchRow = rows.find((row) => row.userId === "sender-1" && row.eventType === "attributes")!;
    expect(patchRow.payload).toMatchObject({ method: "PATCH", url: `${stack.personalize.url}/user-attributes`, body: '{"last_order_revenue":99}' });
    expect(patchRow.detail).toMatchObject({ trigger: "tester", response: { status: 200 }, sources: { last_order_revenue: "row:revenue" } });
  });

  it("stops at the first failure, as a delivery lane would, and logs it as failed", async () => {
    stack.personalize.addFault({ route: "PATCH /user-attributes", kind: "status", status: 400, times: 1 });
    const answer = await api.post("/api/tester/send", {
      ...draft(),
      event: { type: "track", userId: "sender-2", event: "Order Completed", properties: { revenue: 5 } },
    });
    expect(answer.status).toBe(200);
    const [patch, events] = answer.body.requests;
    expect(patch.response.status).toBe(400);
    expect(patch.error).toBeNull();
    expect(events.response).toBeNull();
    expect(events.error).toBe("not sent: request 1 failed");
    expect(stack.personalize.requests({ path: "/events" })).toEqual([]);

    const rows = (await testerRows()).filter((row) => row.userId === "sender-2");
    expect(rows.map((row) => [row.eventType, row.status, row.httpStatus])).toEqual([["attributes", "failed", 400]]);
    expect(rows[0].error).toMatch(/^HTTP 400: /);
  });

  it("reports a broken connection as the request's error", async () => {
    stack.personalize.addFault({ route: "PATCH /user-attributes", kind: "reset", times: 1 });
    const answer = await api.post("/api/tester/send", { ...draft(), event: { type: "identify", userId: "sender-3", traits: { plan: "pro" } } });
    expect(answer.status).toBe(200);
    expect(answer.body.requests[0]).toMatchObject({ response: null, error: expect.stringMatching(/^network error: /) });
  });

  it("validates the draft and the event before sending anything", async () => {
    const answer = await api.post("/api/tester/send", { ...draft(), event: { type: "track", userId: "u1" } });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe("event: event is required for track and must be a string");
    const badSecret = await api.post("/api/tester/send", {
      ...draftFor(stack, { configuration: MAPPINGS, serverConfiguration: { webhookSharedSecret: "has space" } }),
      event: { type: "identify", userId: "u1", traits: { plan: "pro" } },
    });
    expect(badSecret.status).toBe(400);
    expect(badSecret.body.message).toBe("serverConfiguration › webhookSharedSecret: Shared secret may contain only printable ASCII without spaces");
    expect(stack.personalize.requests()).toEqual([]);
  });
});
