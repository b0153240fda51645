import { Analytics } from "@segment/analytics-node";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PROJECT_UID, eventually, inLog, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";

let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack();
  installation = await stack.install({
    configuration: {
      attributeMappings: [
        { id: "plan", source: "traits.plan", attribute: "plan", type: "string" },
        { id: "ltv", source: "traits.ltv", attribute: "lifetime_value", type: "number" },
      ],
      eventMappings: [{ id: "order", source: "track", segmentEvent: "Order Completed", personalizeEvent: "order_completed" }],
    },
  });
});
afterAll(() => stack.close());

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;

describe("Segment-compatible Tracking API", () => {
  it("delivers what the official analytics-node client sends, mapped, to the Personalize Edge API", async () => {
    const analytics = new Analytics({ writeKey: installation.writeKey, host: stack.url, flushAt: 3, maxRetries: 1 });
    const responses: number[] = [];
    analytics.on("http_response", (r) => responses.push(r.status));
    analytics.identify({ userId: "ana-1", traits: { plan: "pro", ltv: "120.5", ignored: { nested: true } } });
    analytics.identify({ userId: "ana-1", traits: { plan: "enterprise" } });
    analytics.track({ userId: "ana-1", event: "Order Completed", properties: { revenue: 10 } });
    await analytics.closeAndFlush();
    expect(responses).toEqual([200]);

    const patch = await eventually(() =>
      stack.personalize.requests({ path: "/user-attributes" }).find((r) => r.headers["x-cs-personalize-user-uid"] === "ana-1"),
    );
    expect(patch.method).toBe("PATCH");
    expect(JSON.parse(patch.body)).toEqual({ plan: "enterprise", lifetime_value: 120.5 });
    expect(patch.headers["x-project-uid"]).toBe(TEST_PROJECT_UID);
    expect(patch.headers["x-cs-eclipse-user-uid"]).toBe("ana-1");
    expect(patch.headers["content-type"]).toBe("application/json");

    const events = await eventually(() =>
      stack.personalize.requests({ path: "/events" }).find((r) => r.headers["x-cs-personalize-user-uid"] === "ana-1"),
    );
    expect(events.body).toBe('[{"eventKey":"order_completed","type":"EVENT"}]');
    expect(stack.personalize.userAttributes(TEST_PROJECT_UID, "ana-1")).toEqual({ plan: "enterprise", lifetime_value: 120.5 });
  });

  it("refuses a missing or unknown write key with 401 and a message", async () => {
    const body = JSON.stringify({ batch: [{ type: "track", userId: "u", event: "E" }] });
    const missing = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(missing.status).toBe(401);
    expect((await missing.json()).message).toMatch(/write key is required/);
    const wrong = await fetch(`${stack.url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic("wk_nope") },
      body,
    });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).message).toMatch(/not valid/);
  });

  it("accepts the write key in the body, gzip with HTTP Basic, and merges batch-level context and integrations", async () => {
    const json = JSON.stringify({
      writeKey: installation.writeKey,
      context: { traits: { plan: "batch-level" }, locale: "en" },
      integrations: { All: true },
      batch: [{ type: "identify", userId: "gz-1", messageId: "gz-msg-1", context: { ip: "1.2.3.4" } }],
    });
    const inBody = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: json });
    expect(inBody.status).toBe(200);
    // Compressed bodies are authenticated before they are inflated: the write key must be in the header.
    const gzipNoHeader = await fetch(`${stack.url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(json),
    });
    expect(gzipNoHeader.status).toBe(401);
    expect((await gzipNoHeader.json()).message).toMatch(/compressed body needs the write key as the HTTP Basic username/);
    const response = await fetch(`${stack.url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip", authorization: basic(installation.writeKey) },
      body: gzipSync(json.replaceAll("gz-msg-1", "gz-msg-2")),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    await inLog(stack.server.store, installation.uid);
    const [row] = await stack.server.store.queryLog({ installationUid: installation.uid, messageId: "gz-msg-1", limit: 5 });
    expect(row.payload).toMatchObject({ context: { traits: { plan: "batch-level" }, locale: "en", ip: "1.2.3.4" }, integrations: { All: true } });
    expect(JSON.stringify(row.payload)).not.toContain(installation.writeKey);
  });

  it("stops inflating a gzip bomb at the 500 KB limit (413), and refuses an unknown write key before inflating", async () => {
    const bomb = gzipSync(Buffer.from(`{"batch":[${" ".repeat(16 * 1024 * 1024)}]}`));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const headers = { "content-type": "application/json", "content-encoding": "gzip" };
    const refused = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers: { ...headers, authorization: basic("wk_unknown_0123456789abcdef0123456789") }, body: bomb });
    expect(refused.status).toBe(401);
    const capped = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers: { ...headers, authorization: basic(installation.writeKey) }, body: bomb });
    expect(capped.status).toBe(413);
    expect((await capped.json()).message).toMatch(/over this endpoint's size limit/);
  });

  it("answers Segment's limits with a 400 that names the limit", async () => {
    const headers = { "content-type": "application/json", authorization: basic(installation.writeKey) };
    const tooMany = await fetch(`${stack.url}/v1/batch`, {
      method: "POST",
      headers,
      body: JSON.stringify({ batch: Array.from({ length: 2501 }, () => ({ type: "track", userId: "u", event: "E" })) }),
    });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).message).toMatch(/2,500 events per batch/);

    const tooBig = await fetch(`${stack.url}/v1/batch`, {
      method: "POST",
      headers,
      body: JSON.stringify({ batch: [{ type: "track", userId: "u", event: "E", properties: { blob: "x".repeat(600 * 1024) } }] }),
    });
    expect(tooBig.status).toBe(413);

    const bigEvent = await fetch(`${stack.url}/v1/track`, {
      method: "POST",
      headers,
      body: JSON.stringify({ userId: "u", event: "E", properties: { blob: "x".repeat(33 * 1024) } }),
    });
    expect(bigEvent.status).toBe(400);
    expect((await bigEvent.json()).message).toMatch(/32 KB/);
  });

  it("de-duplicates a resent messageId and keeps valid events of a partly invalid batch", async () => {
    const headers = { "content-type": "application/json", authorization: basic(installation.writeKey) };
    const batch = [
      { type: "identify", userId: "dup-1", messageId: "dup-msg", traits: { plan: "a" } },
      { type: "track", userId: "dup-1" },
    ];
    const first = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers, body: JSON.stringify({ batch }) });
    expect(first.status).toBe(200);
    expect((await first.json()).rejected).toEqual([{ index: 1, messageId: null, reason: "event is required for track and must be a string" }]);
    const second = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers, body: JSON.stringify({ batch: batch.slice(0, 1) }) });
    expect(second.status).toBe(200);
    await inLog(stack.server.store, installation.uid);
    const rows = await stack.server.store.queryLog({ installationUid: installation.uid, directions: ["inbound"], messageId: "dup-msg", limit: 5 });
    expect(rows.map((r) => r.status)).toHaveLength(2);
    expect(rows[0].status).toBe("deduplicated");
    expect(rows[1].status).toMatch(/queued|processing|delivered/);
    const rejected = await stack.server.store.queryLog({ installationUid: installation.uid, statuses: ["rejected"], userId: "dup-1", limit: 5 });
    expect(rejected[0].error).toMatch(/event is required/);
  });

  it("answers 400, not 500, for a body nested too deep, a sentAt that is not a date, and dates whose skew correction leaves the Date range", async () => {
    const headers = { "content-type": "application/json", authorization: basic(installation.writeKey) };
    const post = (body: string) => fetch(`${stack.url}/v1/batch`, { method: "POST", headers, body });
    const deep = await post(`{"batch":[{"type":"identify","userId":"deep","traits":{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}}]}`);
    expect(deep.status).toBe(400);
    expect((await deep.json()).message).toMatch(/nested more than 64 levels/);
    const badSentAt = await post(JSON.stringify({ batch: [{ type: "identify", userId: "s1", traits: {} }], sentAt: "garbage" }));
    expect(badSentAt.status).toBe(400);
    expect((await badSentAt.json()).message).toMatch(/sentAt must be an ISO-8601 date/);
    const edge = await post(JSON.stringify({ batch: [{ type: "identify", userId: "s2", timestamp: "2026-01-01T00:00:00.000Z" }], sentAt: "-271821-04-20T00:00:00.000Z" }));
    expect(edge.status).toBe(200);
  });
});
