import { Analytics } from "@segment/analytics-node";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configurationSchema, serverConfigurationSchema } from "../../../src/shared/installation-config.ts";
import { createPublicApiClient, SegmentApiError } from "../../segment-public-api/client.ts";
import { connectSource, describeConnection, disconnectSource } from "../../segment-public-api/connection.ts";
import { startSegmentEmulator, type SegmentEmulator } from "../segment/index.ts";
import { WEBHOOK_METADATA_ID, type Workspace } from "./index.ts";

const workspace: Workspace = {
  tokens: [
    { token: "tok-owner", roles: ["Workspace Owner"] },
    { token: "tok-reader", roles: ["Source Read-only"] },
  ],
  sources: [
    { id: "src_web", name: "Website", slug: "website", writeKey: "wk_web" },
    { id: "src_ios", name: "iOS", slug: "ios", writeKey: "wk_ios" },
  ],
};

let segment: SegmentEmulator;
let ingest: Server;
let ingestUrl: string;
let received: Array<{ headers: Record<string, unknown>; body: string }> = [];
let ingestStatus = 200;

beforeAll(async () => {
  segment = await startSegmentEmulator({ workspace });
  ingest = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(ingestStatus, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => ingest.listen(0, "127.0.0.1", resolve));
  ingestUrl = `http://127.0.0.1:${(ingest.address() as { port: number }).port}/ingest/segment/inst-1`;
});
beforeEach(() => {
  segment.reset();
  received = [];
  ingestStatus = 200;
});
afterAll(async () => {
  await segment.close();
  await new Promise((resolve) => ingest.close(resolve));
});

const client = createPublicApiClient({ cacheTtlMs: 0, maxRateLimitWaitMs: 50 });
const configuration = configurationSchema.parse({
  eventMappings: [{ id: "o", source: "track", segmentEvent: "Order Completed", personalizeEvent: "order" }],
});
const secrets = serverConfigurationSchema.parse({ webhookSharedSecret: "shh-secret" });
const context = (token = "tok-owner") => ({
  api: client({ baseUrl: segment.url, token }),
  metadataId: WEBHOOK_METADATA_ID,
  installationUid: "inst-1",
  configuration,
  secrets,
  ingestUrl,
});

async function sendTracked(writeKey: string, calls: (analytics: Analytics) => void) {
  const analytics = new Analytics({ writeKey, host: segment.url, flushAt: 10, flushInterval: 50, maxRetries: 0 });
  calls(analytics);
  await analytics.closeAndFlush();
  await segment.publicApi.idle();
}

describe("Segment Public API emulator", () => {
  it("answers 401, 403, 404 and 429 with Segment's error envelope", async () => {
    const status = async (token: string | null, path: string) => {
      const response = await fetch(`${segment.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: response.status, body: await response.json(), retryAfter: response.headers.get("retry-after") };
    };
    expect(await status(null, "/sources")).toMatchObject({ status: 401, body: { errors: [{ type: "unauthorized" }] } });
    expect(await status("tok-nobody", "/echo")).toMatchObject({ status: 401 });
    expect((await status("tok-reader", "/tracking-plans")).body.errors[0].message).toContain("Tracking Plan Read-only");
    expect(await status("tok-reader", "/sources/src_nope")).toMatchObject({ status: 404, body: { errors: [{ type: "not-found" }] } });
    segment.publicApi.addFault({ status: 429, retryAfterSeconds: 7 });
    expect(await status("tok-reader", "/sources")).toMatchObject({ status: 429, retryAfter: "7" });
    expect(await status("tok-reader", "/sources")).toMatchObject({ status: 200, body: { data: { sources: [{ id: "src_web" }, { id: "src_ios" }] } } });
    const tooLong = new URLSearchParams({
      sourceId: "src_web",
      startTime: new Date(Date.now() - 10 * 3_600_000).toISOString(),
      endTime: new Date().toISOString(),
      granularity: "MINUTE",
    });
    expect(await status("tok-reader", `/delivery-overview/successfully-received?${tooLong}`)).toMatchObject({ status: 422, body: { errors: [{ type: "validation" }] } });
  });

  it("pages lists with pagination.count and the cursor it returns", async () => {
    const api = client({ baseUrl: segment.url, token: "tok-reader" });
    expect((await api.list<{ id: string }>("/sources", "sources")).map((s) => s.id)).toEqual(["src_web", "src_ios"]);
    const first = await fetch(`${segment.url}/sources?pagination.count=1`, { headers: { authorization: "Bearer tok-reader" } });
    expect(((await first.json()) as { data: { pagination: { next: string } } }).data.pagination.next).toBe("1");
  });

  it("Connect creates one destination and its subscriptions, a second Connect writes nothing, Disconnect removes it", async () => {
    const first = await connectSource(context(), "src_web");
    expect(first.changes.map((change) => change.split(" ").slice(0, 2).join(" "))).toEqual([
      "POST /destinations",
      `POST /destinations/${first.destination.id}/subscriptions`,
      `POST /destinations/${first.destination.id}/subscriptions`,
      `POST /destinations/${first.destination.id}/subscriptions`,
    ]);
    const [destination] = segment.publicApi.destinations();
    expect(destination).toMatchObject({ sourceId: "src_web", metadataId: WEBHOOK_METADATA_ID, enabled: true, settings: { sharedSecret: "shh-secret" } });
    expect(destination.subscriptions.map((s) => s.trigger)).toEqual([
      'type = "identify"',
      'type = "track" and (event = "Order Completed")',
      'type = "track" and (event = "Audience Entered" or event = "Audience Exited")',
    ]);
    const writes = () => segment.publicApi.requests().filter((r) => r.method !== "GET");
    const before = writes().length;
    expect((await connectSource(context(), "src_web")).changes).toEqual([]);
    expect(writes()).toHaveLength(before);
    expect(segment.publicApi.requests().find((r) => r.path.endsWith("/subscriptions") && r.method === "POST")?.accept).toBe(
      "application/vnd.segment.v1alpha+json",
    );
    expect((await describeConnection(context(), "src_web", null)).state).toBe("connected");

    // Someone else's destination on the same source stays.
    await client({ baseUrl: segment.url, token: "tok-owner" }).post("/destinations", { sourceId: "src_web", metadataId: WEBHOOK_METADATA_ID, name: "Theirs", enabled: true, settings: {} });
    expect(await disconnectSource(context().api, WEBHOOK_METADATA_ID, "inst-1", "src_web")).toEqual([`DELETE /destinations/${first.destination.id}`]);
    expect(segment.publicApi.destinations().map((d) => d.name)).toEqual(["Theirs"]);
    expect(await disconnectSource(context().api, WEBHOOK_METADATA_ID, "inst-1", "src_web")).toEqual([]);
  });

  it("a token without a write role is refused with 403 naming the role", async () => {
    await expect(connectSource(context("tok-reader"), "src_web")).rejects.toMatchObject({ status: 403, message: expect.stringContaining("Source Admin") });
    expect(segment.publicApi.destinations()).toEqual([]);
  });

  it("delivers a source's events to the connected webhook as Segment does: one event per request, signed over its body", async () => {
    await connectSource(context(), "src_web");
    await sendTracked("wk_web", (analytics) => {
      analytics.track({ userId: "u1", event: "Order Completed", messageId: "m1" });
      analytics.identify({ userId: "u1", traits: { plan: "pro" }, messageId: "m2" });
      analytics.track({ userId: "u1", event: "Not Mapped", messageId: "m3" });
    });
    await sendTracked("wk_ios", (analytics) => analytics.track({ userId: "u2", event: "Order Completed", messageId: "m4" }));
    // With a shared secret Connect turns batching off, so each mapped event is a request of its own.
    expect(received).toHaveLength(2);
    const bodies = received.map((request) => JSON.parse(request.body) as { messageId: string });
    expect(bodies.map((body) => body.messageId).sort()).toEqual(["m1", "m2"]);
    received.forEach((request) => {
      expect(request.headers["user-agent"]).toBe("Segment (Actions)");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["x-signature"]).toBe(createHmac("sha1", "shh-secret").update(request.body).digest("hex"));
    });

    const overview = async (stage: string) => {
      const query = new URLSearchParams({
        sourceId: "src_web",
        destinationConfigId: segment.publicApi.destinations()[0].id,
        startTime: new Date(Date.now() - 3_600_000).toISOString(),
        endTime: new Date(Date.now() + 60_000).toISOString(),
        granularity: "MINUTE",
      });
      return client({ baseUrl: segment.url, token: "tok-reader" }).get<{ total: number }>(`/delivery-overview/${stage}?${query}`, "v1beta");
    };
    expect((await overview("successfully-received")).total).toBe(3);
    expect((await overview("successful-delivery")).total).toBe(2);
    expect((await overview("filtered-at-destination")).total).toBe(1);
    expect((await overview("failed-delivery")).total).toBe(0);
  });

  it("retries a retryable answer and counts a final refusal as failed delivery", async () => {
    await connectSource(context(), "src_web");
    ingestStatus = 503;
    await sendTracked("wk_web", (analytics) => analytics.track({ userId: "u1", event: "Order Completed", messageId: "m8" }));
    expect(received).toHaveLength(3);
    received = [];
    ingestStatus = 401;
    await sendTracked("wk_web", (analytics) => analytics.track({ userId: "u1", event: "Order Completed", messageId: "m9" }));
    expect(received).toHaveLength(1);
    const stages = await fetch(
      `${segment.url}/delivery-overview/failed-delivery?${new URLSearchParams({
        sourceId: "src_web",
        destinationConfigId: segment.publicApi.destinations()[0].id,
        startTime: new Date(Date.now() - 60_000).toISOString(),
        endTime: new Date(Date.now() + 60_000).toISOString(),
        granularity: "MINUTE",
      })}`,
      { headers: { authorization: "Bearer tok-reader" } },
    );
    expect(((await stages.json()) as { data: { total: number } }).data.total).toBe(2);
  });

  it("the client waits out a short Retry-After once and fails fast while a long one lasts", async () => {
    const api = client({ baseUrl: segment.url, token: "tok-reader" });
    segment.publicApi.addFault({ status: 429, retryAfterSeconds: 0 });
    expect((await api.get<{ message: string }>("/echo?message=hi")).message).toBe("hi");
    segment.publicApi.addFault({ status: 429, retryAfterSeconds: 30 });
    await expect(api.get("/echo?message=again")).rejects.toBeInstanceOf(SegmentApiError);
    const calls = segment.publicApi.requests().length;
    await expect(api.get("/echo?message=third")).rejects.toMatchObject({ status: 429 });
    expect(segment.publicApi.requests()).toHaveLength(calls);
  });
});
