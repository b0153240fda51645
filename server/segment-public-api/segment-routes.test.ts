import { Analytics } from "@segment/analytics-node";
import type { ConfigurationInput } from "../../src/shared/installation-config.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSegmentEmulator, type SegmentEmulator } from "../emulators/segment/index.ts";
import type { Workspace } from "../emulators/segment-public-api/index.ts";
import { drained, eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { apiCaller, draftFor } from "../config-api/test-support.ts";

const OWNER_TOKEN = "tok-owner-0123456789";
const READER_TOKEN = "tok-reader-0123456789";
const workspace: Workspace = {
  tokens: [
    { token: OWNER_TOKEN, roles: ["Workspace Owner"] },
    { token: READER_TOKEN, roles: ["Source Read-only"] },
  ],
  sources: [
    { id: "src_web", name: "Website", slug: "website", writeKey: "wk_web_routes" },
    { id: "src_app", name: "App", slug: "app", writeKey: "wk_app_routes" },
  ],
  trackingPlans: [
    {
      id: "tp_1",
      name: "Main plan",
      sourceIds: ["src_web"],
      rules: [
        { type: "TRACK", key: "Checkout Started", version: 1, jsonSchema: { properties: { properties: { properties: { cart_value: {} } } } } },
        { type: "IDENTIFY", version: 1, jsonSchema: { properties: { traits: { properties: { loyalty_tier: {} } } } } },
        { type: "PAGE", key: "Pricing", version: 1, jsonSchema: {} },
      ],
    },
  ],
  spaces: [{ id: "spa_1", name: "Production", events: ["Product Viewed"], traits: ["lifetime_value"] }],
};

let segment: SegmentEmulator;
let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  segment = await startSegmentEmulator({ workspace });
  stack = await startTestStack({ env: { SEGMENT_PUBLIC_API_URL: segment.url } });
  installation = await stack.install({
    configuration: { eventMappings: [{ id: "o", source: "track", segmentEvent: "Order Completed", personalizeEvent: "Order Completed" }] },
  });
});
afterAll(async () => {
  await stack.close();
  await segment.close();
});

const ingestUrl = () => `${stack.url}/ingest/segment/${installation.uid}`;
const draft = (token = "") =>
  draftFor(stack, {
    configuration: { eventMappings: [{ id: "o", source: "track", segmentEvent: "Order Completed", personalizeEvent: "Order Completed" }] },
    serverConfiguration: { segmentPublicApiToken: token },
  });

describe("Segment Public API routes", () => {
  it("asks for a token before calling Segment", async () => {
    const answer = await apiCaller(installation, [OWNER_TOKEN, READER_TOKEN]).post("/api/segment/sources", { ...draft(), ingestUrl: ingestUrl() });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain("segmentPublicApiToken");
  });

  it("a read-only token lists sources but Connect says which role is missing and creates nothing", async () => {
    const api = apiCaller(installation, [OWNER_TOKEN, READER_TOKEN]);
    const sources = await api.post("/api/segment/sources", { ...draft(READER_TOKEN), ingestUrl: ingestUrl() });
    expect(sources.body.sources.map((s: { id: string; connection: { state: string } }) => [s.id, s.connection.state])).toEqual([
      ["src_web", "not_connected"],
      ["src_app", "not_connected"],
    ]);
    const connect = await api.post("/api/segment/connect", { ...draft(READER_TOKEN), sourceIds: ["src_web"], ingestUrl: ingestUrl() });
    expect(connect.body.outcomes[0]).toMatchObject({ ok: false, problem: { status: 403, missingRole: "Source Admin" } });
    expect(segment.publicApi.destinations()).toEqual([]);
  });

  it("refuses an ingest URL that is not this installation's", async () => {
    const answer = await apiCaller(installation, [OWNER_TOKEN, READER_TOKEN]).post("/api/segment/connect", {
      ...draft(OWNER_TOKEN),
      sourceIds: ["src_web"],
      ingestUrl: `${stack.url}/ingest/segment/someone-else`,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain("ingestUrl");
  });

  it("Connect, events through Segment into the log, Connect again changes nothing, the funnel adds up, Disconnect", async () => {
    const api = apiCaller(installation, [OWNER_TOKEN, READER_TOKEN]);
    const connect = await api.post("/api/segment/connect", { ...draft(OWNER_TOKEN), sourceIds: ["src_web"], ingestUrl: ingestUrl() });
    expect(connect.body.outcomes[0]).toMatchObject({ ok: true, connection: { state: "connected" } });
    const [destination] = segment.publicApi.destinations();
    expect(destination).toMatchObject({ sourceId: "src_web", settings: { sharedSecret: installation.sharedSecret } });
    // With a shared secret each request is one event, signed whole: Segment signs a batch over its first event only.
    expect(destination.subscriptions[0].settings).toMatchObject({ url: ingestUrl(), enable_batching: false });
    expect(destination.subscriptions[0].settings).not.toHaveProperty("batch_size");

    const analytics = new Analytics({ writeKey: "wk_web_routes", host: segment.url, flushAt: 10, flushInterval: 20 });
    analytics.track({ userId: "u-seg", event: "Order Completed", messageId: "seg-m1" });
    analytics.identify({ userId: "u-seg", traits: { plan: "pro" }, messageId: "seg-m2" });
    analytics.track({ userId: "u-seg", event: "Unmapped Thing", messageId: "seg-m3" });
    await analytics.closeAndFlush();
    await segment.publicApi.idle();
    await eventually(() => drained(stack.server.store, installation.uid));
    const rows = await stack.server.store.queryLog({ installationUid: installation.uid, directions: ["inbound"], limit: 10 });
    expect(rows.map((row) => row.messageId).sort()).toEqual(["seg-m1", "seg-m2"]);
    expect(rows.every((row) => row.detail.source === "webhook")).toBe(true);

    const writesBefore = segment.publicApi.requests().filter((r) => r.method !== "GET").length;
    const again = await api.post("/api/segment/connect", { ...draft(), sourceIds: ["src_web"], ingestUrl: ingestUrl() });
    expect(again.status).toBe(400); // no token saved yet: the draft must carry it
    const againWithToken = await api.post("/api/segment/connect", { ...draft(OWNER_TOKEN), sourceIds: ["src_web"], ingestUrl: ingestUrl() });
    expect(againWithToken.body.outcomes[0]).toMatchObject({ ok: true, changes: [] });
    // Segment's delivery overview now counts deliveries by this destination (read at most 5 s old).
    await eventually(async () => {
      const listed = await api.post("/api/segment/sources", { ...draft(OWNER_TOKEN), ingestUrl: ingestUrl() });
      return listed.body.sources.find((s: { id: string }) => s.id === "src_web")?.connection.state === "receiving";
    });
    expect(segment.publicApi.requests().filter((r) => r.method !== "GET")).toHaveLength(writesBefore);

    // The funnel reads the saved token: save it as the config screen's Save would.
    await installation.lifecycle("update", {
      configuration: draft().configuration as ConfigurationInput,
      serverConfiguration: { trackingWriteKey: installation.writeKey, webhookSharedSecret: installation.sharedSecret, segmentPublicApiToken: OWNER_TOKEN },
    });
    const to = Date.now() + 60_000;
    const funnel = await api.get(`/api/segment/funnel?from=${to - 3_600_000}&to=${to}`);
    expect(funnel.status).toBe(200);
    const [seg] = funnel.body.destinations;
    expect(seg).toMatchObject({ sourceId: "src_web", destinationId: destination.id });
    expect(seg.stages).toMatchObject({ successfullyReceived: 3, successfulDelivery: 2, filteredAtDestination: 1, failedDelivery: 0 });
    expect(seg.stages.successfulDelivery + seg.stages.filteredAtDestination + seg.stages.failedDelivery).toBe(seg.stages.successfullyReceived);
    expect(funnel.body.ours.received).toBe(seg.stages.successfulDelivery);

    const disconnect = await api.post("/api/segment/disconnect", { ...draft(), sourceId: "src_web" });
    expect(disconnect.body).toMatchObject({ ok: true, removed: [`DELETE /destinations/${destination.id}`] });
    expect(segment.publicApi.destinations()).toEqual([]);
  });

  it("suggests tracking-plan and Unify names, each marked with its origin, before any traffic", async () => {
    const answer = await apiCaller(installation, [OWNER_TOKEN, READER_TOKEN]).post("/api/segment/suggestions", draft(OWNER_TOKEN));
    expect(answer.body.events).toEqual(
      expect.arrayContaining([
        { source: "track", name: "Checkout Started", origin: "tracking-plan", detail: 'tracking plan "Main plan"' },
        { source: "page", name: "Pricing", origin: "tracking-plan", detail: 'tracking plan "Main plan"' },
        { source: "track", name: "Product Viewed", origin: "unify", detail: 'Unify space "Production"' },
      ]),
    );
    expect(answer.body.traits.map((t: { path: string; origin: string }) => `${t.origin}:${t.path}`)).toEqual([
      "tracking-plan:properties.cart_value",
      "tracking-plan:traits.loyalty_tier",
      "unify:traits.lifetime_value",
    ]);
    const reader = await apiCaller(installation, [OWNER_TOKEN, READER_TOKEN]).post("/api/segment/suggestions", draft(READER_TOKEN));
    expect(reader.body.problems.map((p: { missingRole: string }) => p.missingRole)).toEqual(["Tracking Plan Read-only", "Unify Read-only"]);
  });
});
