/**
 * What `npm start` runs around the server so that a newcomer sees the whole app with nothing to set up: the
 * Contentstack host simulator (a different origin, like the real host), the Personalize emulator, an
 * installation already connected to it, and a trickle of demo traffic through the real analytics-node client.
 * The Segment emulator also plays the customer's Segment workspace (Public API): the demo connects its "Website"
 * source with one-click Connect, and the demo traffic goes analytics-node → Segment → Webhooks (Actions) → us.
 */
import { Analytics } from "@segment/analytics-node";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installationDataSchema, type InstallationDataInput } from "../src/shared/installation-config.ts";
import { startContentstackHost, type ContentstackHost } from "./emulators/contentstack-host/index.ts";
import { DEV_MANAGEMENT_TOKEN, DEV_PROJECT_UID, devFixture } from "./emulators/personalize/dev-fixture.ts";
import { startPersonalizeEmulator, type PersonalizeEmulator } from "./emulators/personalize/index.ts";
import { startSegmentEmulator, type SegmentEmulator } from "./emulators/segment/index.ts";
import type { Workspace } from "./emulators/segment-public-api/index.ts";
import { createPublicApiClient } from "./segment-public-api/client.ts";
import { connectSource } from "./segment-public-api/connection.ts";
import { WEBHOOK_METADATA_ID } from "./segment-public-api/webhook-destination.ts";
import { generateSecretKeySpec } from "./security/secret-box.ts";

export const DEV_IDENTITY = {
  appUid: "segment-sync-dev-app",
  installationUid: "dev-installation-0001",
  stackApiKey: "blt0dev0stack0api0key",
  organizationUid: "blt0dev0organization",
  userUid: "blt0dev0admin0user",
};

interface DevKeys {
  secretKeys: string;
  sessionSecret: string;
  webhookSharedSecret: string;
  trackingWriteKey: string;
  /** The write key of the "customer's own" Segment source that the two-way sync sends to (the Segment emulator). */
  segmentWriteKey: string;
  /** The emulated workspace's Public API token (Workspace Owner) and its demo website source's write key. */
  segmentPublicApiToken: string;
  demoSourceWriteKey: string;
}

/** Keys kept in the data folder so that a restart keeps sessions, encrypted secrets and the demo's write key. */
export function loadDevKeys(dataDir: string): DevKeys {
  const file = join(dataDir, "dev-keys.json");
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<DevKeys>) : {};
  mkdirSync(dataDir, { recursive: true });
  const keys: DevKeys = {
    secretKeys: saved.secretKeys ?? generateSecretKeySpec("dev1"),
    sessionSecret: saved.sessionSecret ?? randomBytes(32).toString("hex"),
    webhookSharedSecret: saved.webhookSharedSecret ?? randomBytes(32).toString("hex"),
    trackingWriteKey: saved.trackingWriteKey ?? `wk_${randomBytes(16).toString("hex")}`,
    segmentWriteKey: saved.segmentWriteKey ?? `seg_${randomBytes(16).toString("hex")}`,
    segmentPublicApiToken: saved.segmentPublicApiToken ?? `sgp_${randomBytes(24).toString("hex")}`,
    demoSourceWriteKey: saved.demoSourceWriteKey ?? `web_${randomBytes(16).toString("hex")}`,
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

function devInstallationData(keys: DevKeys, edgeUrl: string, managementUrl: string): InstallationDataInput {
  return {
    configuration: {
      personalize: { region: "CUSTOM", projectUid: DEV_PROJECT_UID, customEdgeUrl: edgeUrl, customManagementUrl: managementUrl },
      attributeMappings: [
        { id: "plan", source: "traits.plan", attribute: "plan", type: "string" },
        { id: "ltv", source: "traits.lifetime_value", attribute: "lifetime_value", type: "number" },
      ],
      eventMappings: [{ id: "order", source: "track", segmentEvent: "Order Completed", personalizeEvent: "Order Completed" }],
      twoWay: { enabled: true, eventName: "Experiment Viewed", identifyTrait: "personalize_variants" },
    },
    serverConfiguration: {
      webhookSharedSecret: keys.webhookSharedSecret,
      trackingWriteKey: keys.trackingWriteKey,
      personalizeManagementToken: DEV_MANAGEMENT_TOKEN,
      segmentWriteKey: keys.segmentWriteKey,
      segmentPublicApiToken: keys.segmentPublicApiToken,
    },
  };
}

export const DEMO_SOURCE_ID = "demoWebsiteSource01";

/** The emulated Segment workspace: an owner token and a read-only one, two sources, a tracking plan and a Unify space. */
export function devWorkspace(keys: DevKeys): Workspace {
  return {
    tokens: [
      { token: keys.segmentPublicApiToken, roles: ["Workspace Owner"] },
      { token: `${keys.segmentPublicApiToken}_readonly`, roles: ["Source Read-only", "Tracking Plan Read-only", "Unify Read-only"] },
    ],
    sources: [
      { id: DEMO_SOURCE_ID, name: "Website", slug: "website", writeKey: keys.demoSourceWriteKey },
      { id: "demoMobileAppSource1", name: "Mobile app", slug: "mobile-app", writeKey: `${keys.demoSourceWriteKey}_app` },
    ],
    trackingPlans: [
      {
        id: "demoTrackingPlan0001",
        name: "Website plan",
        sourceIds: [DEMO_SOURCE_ID],
        rules: [
          { type: "TRACK", key: "Order Completed", version: 1, jsonSchema: { properties: { properties: { properties: { revenue: { type: "number" } } } } } },
          { type: "TRACK", key: "Checkout Started", version: 1, jsonSchema: { properties: { properties: { properties: { cart_value: { type: "number" } } } } } },
          { type: "IDENTIFY", version: 1, jsonSchema: { properties: { traits: { properties: { plan: { type: "string" }, loyalty_tier: { type: "string" } } } } } },
          { type: "PAGE", key: "Pricing", version: 1, jsonSchema: {} },
        ],
      },
    ],
    spaces: [{ id: "demoUnifySpace000001", name: "Production", events: ["Product Viewed", "Order Completed"], traits: ["lifetime_value", "favorite_category"] }],
  };
}

/** What the admin's Connect button does, for the demo's Website source; the state shows in the config screen. */
export async function connectDemoSource(segmentUrl: string, appBaseUrl: string, installation: InstallationDataInput & { uid: string }) {
  const data = installationDataSchema.parse(installation);
  const api = createPublicApiClient()({ baseUrl: segmentUrl, token: data.serverConfiguration.segmentPublicApiToken });
  return connectSource(
    {
      api,
      metadataId: WEBHOOK_METADATA_ID,
      installationUid: installation.uid,
      configuration: data.configuration,
      secrets: data.serverConfiguration,
      ingestUrl: `${appBaseUrl}/ingest/segment/${installation.uid}`,
    },
    DEMO_SOURCE_ID,
  );
}

export interface DevEnvironment {
  host: ContentstackHost;
  personalize: PersonalizeEmulator;
  segment: SegmentEmulator;
  keys: DevKeys;
  hostAllowlist: string[];
  close(): Promise<void>;
}

export async function startDevEnvironment(options: { appPort: number; dataDir: string; keys: DevKeys }): Promise<DevEnvironment> {
  const personalize = await startPersonalizeEmulator({ port: options.appPort + 2, fixtures: devFixture });
  const segment = await startSegmentEmulator({
    port: options.appPort + 3,
    writeKeys: [options.keys.segmentWriteKey],
    workspace: devWorkspace(options.keys),
  });
  const appBaseUrl = `http://localhost:${options.appPort}`;
  const host = await startContentstackHost({
    port: options.appPort + 1,
    host: "127.0.0.1",
    appBaseUrl,
    lifecycleWebhookUrl: `${appBaseUrl}/webhooks/contentstack`,
    dataFile: join(options.dataDir, "contentstack-host.json"),
    ...DEV_IDENTITY,
    initialInstallationData: installationDataSchema.parse(devInstallationData(options.keys, personalize.url, personalize.managementUrl)),
  });
  return {
    host,
    personalize,
    segment,
    keys: options.keys,
    hostAllowlist: [new URL(personalize.url).host],
    async close() {
      await host.close();
      await personalize.close();
      await segment.close();
    },
  };
}

/**
 * A few identify and track calls every few seconds, so the live log shows traffic from the first minute. Lifetime
 * values cross 100, so users move into the "High value" variant and the two-way sync reports it to Segment.
 */
export function startDemoTraffic(appUrl: string, writeKey: string): { stop(): Promise<void> } {
  const analytics = new Analytics({ writeKey, host: appUrl, flushAt: 5, flushInterval: 1000 });
  const plans = ["free", "pro", "enterprise"];
  let tick = 0;
  const timer = setInterval(() => {
    tick += 1;
    const userId = `demo-user-${(tick % 7) + 1}`;
    analytics.identify({ userId, traits: { plan: plans[tick % 3], lifetime_value: (tick * 37) % 250 } });
    if (tick % 2 === 0) analytics.track({ userId, event: "Order Completed", properties: { revenue: (tick * 13) % 90 } });
  }, 3000);
  return {
    async stop() {
      clearInterval(timer);
      await analytics.closeAndFlush({ timeout: 2000 });
    },
  };
}
