/**
 * Many tenants on one server: no installation can take another's secret, replay or reorder lifecycle webhooks,
 * outlive its uninstall, hold every live stream, or starve another's ingest.
 */
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticatedApi } from "../auth/session-routes.ts";
import { createSessionTokens } from "../auth/session-token.ts";
import { installErrorHandling } from "../http/errors.ts";
import { eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { createInstallations } from "./installations.ts";
import { secretHash } from "./secret-ownership.ts";

let stack: TestStack;
let a: TestInstallation;
let b: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack({
    env: {
      LIVE_STREAMS_PER_INSTALLATION: "2",
      INGEST_EVENTS_PER_SECOND_PER_INSTALLATION: "200",
      INGEST_BURST_EVENTS_PER_INSTALLATION: "400",
    },
  });
  a = await stack.install();
  b = await stack.install();
});
afterAll(() => stack.close());

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;
const message = async (response: Response) => ((await response.json()) as { message: string }).message;

describe("secrets belong to one installation", () => {
  it("refuses another installation's write key or shared secret with 409, and the owner keeps its traffic", async () => {
    const takeover = await b.lifecycle("update", { serverConfiguration: { trackingWriteKey: a.writeKey, webhookSharedSecret: b.sharedSecret } });
    expect(takeover.status).toBe(409);
    expect(await message(takeover)).toMatch(/trackingWriteKey: this Tracking API write key already belongs to another installation/);
    const secretTakeover = await b.lifecycle("update", { serverConfiguration: { trackingWriteKey: b.writeKey, webhookSharedSecret: a.sharedSecret } });
    expect(secretTakeover.status).toBe(409);
    expect(await message(secretTakeover)).toMatch(/webhookSharedSecret/);
    expect((await stack.server.store.findInstallationByWriteKeyHash(secretHash(a.writeKey)))?.uid).toBe(a.uid);
    const sent = await fetch(`${stack.url}/v1/track`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic(a.writeKey) },
      body: JSON.stringify({ userId: "owner-1", event: "Still mine", messageId: "owner-msg-1" }),
    });
    expect(sent.status).toBe(200);
    await eventually(async () => (await stack.server.store.stagedEvents(a.uid)) === 0);
    expect(await stack.server.store.queryLog({ installationUid: b.uid, messageId: "owner-msg-1", limit: 1 })).toEqual([]);
  });

  it("refuses a weak user-supplied secret, naming the field and the rule", async () => {
    const short = await b.lifecycle("update", { serverConfiguration: { trackingWriteKey: b.writeKey, webhookSharedSecret: "s3cret" } });
    expect(short.status).toBe(400);
    expect(await message(short)).toMatch(/webhookSharedSecret: Shared secret must be at least 32 characters/);
    const repetitive = await b.lifecycle("update", { serverConfiguration: { trackingWriteKey: "a".repeat(40), webhookSharedSecret: b.sharedSecret } });
    expect(repetitive.status).toBe(400);
    expect(await message(repetitive)).toMatch(/too easy to guess/);
  });
});

describe("lifecycle webhooks apply once and in order", () => {
  it("refuses an update older than the last one applied with 409, and changes nothing", async () => {
    const newer = await a.lifecycle("update", { configuration: { unmappedTraits: "passthrough" }, serverConfiguration: { trackingWriteKey: a.writeKey, webhookSharedSecret: a.sharedSecret } });
    expect(newer.status).toBe(200);
    const older = await a.lifecycle(
      "update",
      { configuration: { unmappedTraits: "drop" }, serverConfiguration: { trackingWriteKey: a.writeKey, webhookSharedSecret: a.sharedSecret } },
      { triggeredAt: new Date(Date.now() - 60_000) },
    );
    expect(older.status).toBe(409);
    expect(await message(older)).toMatch(/is not newer than the last one applied/);
    expect((await stack.server.store.getInstallation(a.uid))?.configuration.unmappedTraits).toBe("passthrough");
  });

  it("gives the slot back when applying fails, so Contentstack's retry of a fixed webhook is not refused", async () => {
    const before = await stack.server.store.lifecycleRecord(a.uid);
    const invalid = await a.lifecycle("update", { configuration: { personalize: { projectUid: "short" } as never } });
    expect(invalid.status).toBe(400);
    expect(await stack.server.store.lifecycleRecord(a.uid)).toEqual(before);
  });
});

describe("sessions end at uninstall", () => {
  it("ends sessions and live streams at uninstall, and a pre-uninstall app-token cannot re-create the installation", async () => {
    const doomed = await stack.install();
    const session = await doomed.session();
    const tokenBeforeUninstall = await doomed.appToken();
    const { token: streamToken } = (await (
      await fetch(`${stack.url}/api/stream-token`, { method: "POST", headers: { authorization: `Bearer ${session}` } })
    ).json()) as { token: string };
    const stream = await fetch(`${stack.url}/api/log/stream?token=${streamToken}`);
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read();
    expect((await doomed.lifecycle("uninstall")).status).toBe(200);

    const after = await fetch(`${stack.url}/api/installation`, { headers: { authorization: `Bearer ${session}` } });
    expect(after.status).toBe(401);
    expect(await message(after)).toMatch(/uninstalled; the session has ended/);
    await eventually(async () => (await reader.read()).done);

    const resurrect = await fetch(`${stack.url}/api/session`, { method: "POST", headers: { authorization: `Bearer ${tokenBeforeUninstall}` } });
    expect(resurrect.status).toBe(401);
    expect(await message(resurrect)).toMatch(/uninstalled; an app-token cannot re-create it/);
    expect(await stack.server.store.getInstallation(doomed.uid)).toBeNull();
  });

  it("refuses an app-token issued more than 5 minutes ago, even while it has not expired", async () => {
    const old = await a.appToken({ iat: Math.floor(Date.now() / 1000) - 600, expiresInSeconds: 3600 });
    const response = await fetch(`${stack.url}/api/session`, { method: "POST", headers: { authorization: `Bearer ${old}` } });
    expect(response.status).toBe(401);
    expect(await message(response)).toMatch(/issued more than 300 s ago/);
  });
});

describe("auth is carried by registration", () => {
  it("keeps every route registered inside the session plugin unreachable without a session, however the path is spelled", async () => {
    const app = Fastify();
    installErrorHandling(app);
    const tokens = createSessionTokens("x".repeat(64), 3600);
    let reached = 0;
    await app.register(authenticatedApi, {
      tokens,
      installations: createInstallations(stack.server.store),
      limits: { perSessionPerMinute: 100, perInstallationPerMinute: 100 },
      routes: async (api) => {
        api.get("/api/new-route", async () => ++reached);
        api.post("/api/new-route/:id", async () => ++reached);
      },
    });
    for (const [method, path] of [
      ["GET", "/api/new-route"],
      ["GET", "/%61pi/new-route"],
      ["GET", "/api/new%2Droute"],
      ["GET", "//api/new-route"],
      ["POST", "/api/new-route/1"],
      ["POST", "/api/new-route/%2e%2e"],
    ] as const) {
      const response = await app.inject({ method, url: path, payload: method === "POST" ? { big: "x".repeat(1000) } : undefined });
      expect([401, 404], `${method} ${path}`).toContain(response.statusCode);
    }
    expect(reached).toBe(0);
    await app.close();
  });

  it("answers the real /api routes 401 without a session, including percent-encoded spellings", async () => {
    for (const path of ["/api/installation", "/%61pi/installation", "/api/log", "/api/log/summary", "/api/log/stream"]) {
      const response = await fetch(`${stack.url}${path}`);
      expect([401, 404], path).toContain(response.status);
      await response.body?.cancel();
    }
  });
});

describe("fair share", () => {
  it("caps live streams per installation; another installation still gets its own", async () => {
    const open = async (installation: TestInstallation) => {
      const { token } = (await (await installation.api("/api/stream-token", { method: "POST" })).json()) as { token: string };
      return fetch(`${stack.url}/api/log/stream?token=${token}`);
    };
    const first = await open(b);
    const second = await open(b);
    const third = await open(b);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(await message(third)).toMatch(/already has 2 live streams open \(limit 2\)/);
    const other = await open(a);
    expect(other.status).toBe(200);
    for (const response of [first, second, other]) await response.body?.cancel();
  });

  it("rate-limits a flooding installation with 429 while a quiet one is still accepted", async () => {
    const batch = (n: number, prefix: string) =>
      JSON.stringify({ batch: Array.from({ length: n }, (_, i) => ({ type: "track", userId: `${prefix}-${i % 5}`, event: "Flood", messageId: `${prefix}-${i}-${Math.random()}` })) });
    const statuses: number[] = [];
    let refusal = "";
    for (let i = 0; i < 10 && !statuses.includes(429); i++) {
      const response = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json", authorization: basic(a.writeKey) }, body: batch(200, "noisy") });
      statuses.push(response.status);
      if (response.status === 429) {
        refusal = await message(response);
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      } else await response.body?.cancel();
    }
    expect(statuses).toContain(429);
    expect(refusal).toMatch(/this installation sent more than its 200 events\/s/);
    const quiet = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json", authorization: basic(b.writeKey) }, body: batch(10, "quiet") });
    expect(quiet.status).toBe(200);
  });

  it("writes one row for many identical rejections, not one per event", async () => {
    const invalid = JSON.stringify({ batch: Array.from({ length: 300 }, (_, i) => ({ type: "track", event: "No user", messageId: `bad-${i}` })) });
    const response = await fetch(`${stack.url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json", authorization: basic(b.writeKey) }, body: invalid });
    expect(response.status).toBe(400);
    expect(await message(response)).toMatch(/userId or anonymousId is required/);
    const rows = await stack.server.store.queryLog({ installationUid: b.uid, statuses: ["rejected"], limit: 1000 });
    expect(rows.filter((row) => row.error?.includes("userId or anonymousId"))).toHaveLength(1);
  });
});
