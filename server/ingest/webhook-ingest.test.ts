import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PROJECT_UID, eventually, inLog, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { segmentSignature } from "./webhook-signature.ts";

const BEARER = "static-bearer-token-0123456789abcdef0123456789";
let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack();
  installation = await stack.install({
    configuration: { attributeMappings: [{ id: "plan", source: "traits.plan", attribute: "plan", type: "string" }] },
    serverConfiguration: { webhookBearerToken: BEARER },
  });
});
afterAll(() => stack.close());

/** What Segment's webhook destination does today: hex HMAC-SHA1 of JSON.stringify of the whole body, a batch's too. */
function segmentStyleSignature(secret: string, payload: unknown): string {
  return createHmac("sha1", secret).update(JSON.stringify(payload)).digest("hex");
}

/** What older Segment code did for a batch (segment.md §2.1): only the first element signed. */
function firstElementSignature(secret: string, batch: unknown[]): string {
  return createHmac("sha1", secret).update(JSON.stringify(batch[0])).digest("hex");
}

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.url}/ingest/segment/${installation.uid}`, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "Segment (Actions)", ...headers },
    body,
  });

const identify = (userId: string, plan: string, messageId: string) => ({
  type: "identify",
  userId,
  messageId,
  traits: { plan },
  timestamp: "2026-11-22T10:00:00.000Z",
});

describe("signature vectors", () => {
  it("computes Segment's signature for a known vector", () => {
    const body = '{"type":"track","event":"Test","userId":"u1"}';
    expect(segmentSignature("secret", Buffer.from(body))).toBe(createHmac("sha1", "secret").update(body).digest("hex"));
  });
});

describe("POST /ingest/segment/:installationUid", () => {
  it("accepts a single signed event and delivers it", async () => {
    const event = identify("wh-single", "gold", "wh-msg-1");
    const body = JSON.stringify(event);
    const response = await post(body, { "x-signature": segmentStyleSignature(installation.sharedSecret, event) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, accepted: 1 });
    await eventually(() => stack.personalize.userAttributes(TEST_PROJECT_UID, "wh-single")?.plan === "gold");
  });

  it("accepts a batch signed over the whole body and coalesces one user's updates", async () => {
    const batch = [identify("wh-batch", "a", "wh-b-1"), identify("wh-batch", "b", "wh-b-2"), identify("wh-batch", "c", "wh-b-3")];
    const response = await post(JSON.stringify(batch), { "x-signature": segmentStyleSignature(installation.sharedSecret, batch) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 3 });
    await eventually(() => stack.personalize.userAttributes(TEST_PROJECT_UID, "wh-batch")?.plan);
    const patches = stack.personalize.requests({ path: "/user-attributes" }).filter((r) => r.headers["x-cs-personalize-user-uid"] === "wh-batch");
    expect(patches).toHaveLength(1);
    expect(JSON.parse(patches[0].body)).toEqual({ plan: "c" });
  });

  it("refuses a tampered body, a wrong secret and a missing signature with 401, writes no row and counts them", async () => {
    const event = identify("wh-evil", "x", "wh-evil-1");
    const signature = segmentStyleSignature(installation.sharedSecret, event);
    const before = await stack.server.store.unauthenticatedRefusals(installation.uid);
    const tampered = await post(JSON.stringify({ ...event, traits: { plan: "y" } }), { "x-signature": signature });
    expect(tampered.status).toBe(401);
    expect((await tampered.json()).message).toMatch(/X-Signature does not match the whole body/);
    const wrongSecret = await post(JSON.stringify(event), { "x-signature": segmentStyleSignature("not-the-secret", event) });
    expect(wrongSecret.status).toBe(401);
    const missing = await post(JSON.stringify(event));
    expect(missing.status).toBe(401);
    expect((await missing.json()).message).toMatch(/not signed/);
    const rows = await stack.server.store.queryLog({ installationUid: installation.uid, messageId: "wh-evil-1", limit: 10 });
    expect(rows).toEqual([]);
    await eventually(async () => (await stack.server.store.unauthenticatedRefusals(installation.uid)) >= before + 3);
    const summary = (await (await installation.api("/api/log/summary")).json()) as { refusedUnauthenticatedRequests: number };
    expect(summary.refusedUnauthenticatedRequests).toBeGreaterThanOrEqual(before + 3);
    expect(stack.personalize.userAttributes(TEST_PROJECT_UID, "wh-evil")).toBeUndefined();
  });

  it("refuses a batch whose signature covers only the first element: the rest would be forgeable", async () => {
    const captured = identify("wh-b2", "1", "wh-b2-1");
    const forged = [captured, identify("wh-b2-forged", "evil", "wh-b2-2"), identify("wh-b2-forged", "evil", "wh-b2-3")];
    const response = await post(JSON.stringify(forged), { "x-signature": firstElementSignature(installation.sharedSecret, forged) });
    expect(response.status).toBe(401);
    expect((await response.json()).message).toMatch(/whole body/);
    const forgedFirst = [{ ...captured, userId: "attacker" }, captured];
    expect((await post(JSON.stringify(forgedFirst), { "x-signature": segmentStyleSignature(installation.sharedSecret, [captured]) })).status).toBe(401);
    expect(await stack.server.store.queryLog({ installationUid: installation.uid, messageId: "wh-b2-2", limit: 5 })).toEqual([]);
  });

  it("refuses a captured signed event replayed after Segment's retry window, by its signed receivedAt", async () => {
    const old = { ...identify("wh-old", "p", "wh-old-1"), receivedAt: new Date(Date.now() - 6 * 3600_000).toISOString() };
    const response = await post(JSON.stringify(old), { "x-signature": segmentStyleSignature(installation.sharedSecret, old) });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/receivedAt is more than 5 h old.*replay/);
    const fresh = { ...identify("wh-fresh", "p", "wh-fresh-1"), receivedAt: new Date().toISOString() };
    expect((await post(JSON.stringify(fresh), { "x-signature": segmentStyleSignature(installation.sharedSecret, fresh) })).status).toBe(200);
  });

  it("refuses a gzip body signed with X-Signature before inflating it", async () => {
    const response = await post("not really gzip", { "x-signature": "00", "content-encoding": "gzip" });
    expect(response.status).toBe(415);
    expect((await response.json()).message).toMatch(/uncompressed/);
  });

  it("accepts the configured bearer token instead of a signature, and refuses a wrong one", async () => {
    const event = identify("wh-bearer", "silver", "wh-bearer-1");
    const ok = await post(JSON.stringify(event), { authorization: `Bearer ${BEARER}` });
    expect(ok.status).toBe(200);
    const wrong = await post(JSON.stringify(event), { authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
  });

  it("de-duplicates a replayed delivery by messageId", async () => {
    const event = identify("wh-replay", "p", "wh-replay-1");
    const headers = { "x-signature": segmentStyleSignature(installation.sharedSecret, event) };
    expect((await post(JSON.stringify(event), headers)).status).toBe(200);
    const replay = await post(JSON.stringify(event), headers);
    expect(replay.status).toBe(200);
    await inLog(stack.server.store, installation.uid);
    const rows = await stack.server.store.queryLog({ installationUid: installation.uid, directions: ["inbound"], messageId: "wh-replay-1", limit: 5 });
    expect(rows.map((row) => row.status)).toEqual(["deduplicated", expect.stringMatching(/queued|processing|delivered/)]);
    expect(rows[0].error).toBe("messageId already received");
  });

  it("answers 400 naming the problem when every event is invalid, and an unknown installation like a wrong secret", async () => {
    const bad = { type: "identify", traits: {} };
    const response = await post(JSON.stringify(bad), { "x-signature": segmentStyleSignature(installation.sharedSecret, bad) });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/userId or anonymousId is required/);
    const event = identify("wh-enum", "p", "wh-enum-1");
    const headers = { "content-type": "application/json", "x-signature": segmentStyleSignature("guess", event) };
    const unknown = await fetch(`${stack.url}/ingest/segment/no-such-installation`, { method: "POST", headers, body: JSON.stringify(event) });
    const known = await fetch(`${stack.url}/ingest/segment/${installation.uid}`, { method: "POST", headers, body: JSON.stringify(event) });
    expect(unknown.status).toBe(401);
    expect(known.status).toBe(401);
    expect(await unknown.json()).toEqual(await known.json());
    const unsignedUnknown = await fetch(`${stack.url}/ingest/segment/no-such-installation`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const unsignedKnown = await post("{}");
    expect(unsignedUnknown.status).toBe(401);
    expect(await unsignedUnknown.json()).toEqual(await unsignedKnown.json());
  });

  it("answers malformed JSON and a wrong content type with 4xx and a message", async () => {
    const sign = (body: string) => ({ "x-signature": createHmac("sha1", installation.sharedSecret).update(body).digest("hex") });
    const malformed = await post("{not json", sign("{not json"));
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).message).toMatch(/JSON/);
    const text = await fetch(`${stack.url}/ingest/segment/${installation.uid}`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${BEARER}` },
      body: "hello",
    });
    expect(text.status).toBe(415);
    const poison = '{"__proto__":{"polluted":true},"type":"identify","userId":"p"}';
    const poisoned = await post(poison, sign(poison));
    expect(poisoned.status).toBe(400);
  });

  it("refuses a body nested too deep with 400 (it was a 503 from the store) and holds each event to 32 KB", async () => {
    const deep = `{"type":"identify","userId":"wh-deep","traits":{"a":${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}}}`;
    const deepResponse = await post(deep, { "x-signature": createHmac("sha1", installation.sharedSecret).update(deep).digest("hex") });
    expect(deepResponse.status).toBe(400);
    expect((await deepResponse.json()).message).toMatch(/nested more than 64 levels/);
    const big = identify("wh-big", "x".repeat(33 * 1024), "wh-big-1");
    const bigResponse = await post(JSON.stringify(big), { "x-signature": segmentStyleSignature(installation.sharedSecret, big) });
    expect(bigResponse.status).toBe(400);
    expect((await bigResponse.json()).message).toMatch(/32 KB/);
  });

  it("refuses ids with control characters, which would break the user-uid header and log lines", async () => {
    const event = identify("wh-user\r\nx-injected: 1", "gold", "wh-ctl-1");
    const response = await post(JSON.stringify(event), { "x-signature": segmentStyleSignature(installation.sharedSecret, event) });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/userId must not contain control characters/);
  });
});
