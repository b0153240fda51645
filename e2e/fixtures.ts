/**
 * Shared Playwright fixtures: every page fails its test if it requests anything off this machine (fonts included:
 * Inter is bundled), and tests reach the app inside the simulator's iframe, the dev stack's keys, and the
 * Personalize emulator's control API.
 */
import { test as base, expect, type FrameLocator, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { E2E_DATA_DIR, E2E_PORT } from "../playwright.config";

export const APP_URL = `http://localhost:${E2E_PORT}`;
export const HOST_URL = `http://127.0.0.1:${E2E_PORT + 1}`;
export const EMULATOR_URL = `http://127.0.0.1:${E2E_PORT + 2}`;
/** The Segment emulator: Tracking API, and the customer's workspace through the Public API. */
export const SEGMENT_URL = `http://127.0.0.1:${E2E_PORT + 3}`;
export const DEV_PROJECT_UID = "65f0c0ffee00000000000001";

export function devKeys(): {
  trackingWriteKey: string;
  webhookSharedSecret: string;
  segmentPublicApiToken: string;
  segmentWriteKey: string;
  demoSourceWriteKey: string;
} {
  return JSON.parse(readFileSync(join(E2E_DATA_DIR, "dev-keys.json"), "utf8"));
}

/** Saves installation data through the host simulator as the admin's Save would; says how the update webhook went. */
export async function saveThroughHost(data: unknown): Promise<{ status: number; body: { webhook?: { outcome: string; error?: string } } }> {
  const response = await fetch(`${HOST_URL}/api/save`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(data),
  });
  return { status: response.status, body: (await response.json()) as { webhook?: { outcome: string; error?: string } } };
}

/**
 * Saves a working configuration through the host simulator (as the admin's Save would, update webhook
 * included): the Personalize emulator, the dev project, a plan/lifetime_value mapping and the dev write key;
 * with `twoWay`, also the two-way sync to the Segment emulator (a manifest check after each attribute update).
 */
export async function configureInstallation(
  extraSecrets: { segmentPublicApiToken?: string } = {},
  options: { twoWay?: boolean } = {},
): Promise<{ writeKey: string }> {
  const keys = devKeys();
  const twoWay = options.twoWay ? { enabled: true, eventName: "Experiment Viewed", identifyTrait: "personalize_variants" } : { enabled: false };
  const { status, body } = await saveThroughHost({
    configuration: {
      personalize: { region: "CUSTOM", projectUid: DEV_PROJECT_UID, customEdgeUrl: EMULATOR_URL, customManagementUrl: `${EMULATOR_URL}/management` },
      attributeMappings: [
        { id: "plan", enabled: true, source: "traits.plan", attribute: "plan", type: "string", defaultValue: "" },
        { id: "ltv", enabled: true, source: "traits.lifetime_value", attribute: "lifetime_value", type: "number", defaultValue: "" },
      ],
      eventMappings: [
        { id: "order", enabled: true, source: "track", segmentEvent: "Order Completed", personalizeEvent: "Order Completed", condition: "" },
      ],
      twoWay,
    },
    serverConfiguration: {
      trackingWriteKey: keys.trackingWriteKey,
      webhookSharedSecret: keys.webhookSharedSecret,
      personalizeManagementToken: "dev-management-token",
      ...(options.twoWay ? { segmentWriteKey: keys.segmentWriteKey } : {}),
      ...extraSecrets,
    },
  });
  if (status !== 200 || body.webhook?.outcome !== "delivered") throw new Error(`configure failed: ${JSON.stringify(body)}`);
  return { writeKey: keys.trackingWriteKey };
}

export type Location = "APP_CONFIG_WIDGET" | "FULL_PAGE_LOCATION" | "DASHBOARD";

export async function openLocation(page: Page, location: Location): Promise<FrameLocator> {
  await page.goto(`/host.html?location=${location}`);
  return page.frameLocator("#app");
}

/** Messages the app sent to the host over post-robot, as the simulator recorded them. */
export function received(page: Page): Promise<Array<{ name: string; data: unknown }>> {
  return page.evaluate(() => (window as unknown as { received: Array<{ name: string; data: unknown }> }).received);
}

export async function emulator(path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(`${EMULATOR_URL}/__emulator${path}`, {
    ...init,
    headers: init.body ? { "content-type": "application/json" } : {},
  });
  if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

export const test = base.extend<{ onlyLocalRequests: void }>({
  onlyLocalRequests: [
    async ({ page }, use) => {
      const external: string[] = [];
      page.on("request", (request) => {
        const { protocol, hostname } = new URL(request.url());
        if (/^https?:$/.test(protocol) && !["127.0.0.1", "localhost"].includes(hostname)) external.push(request.url());
      });
      await use();
      expect(external, "requests that left the machine").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };
