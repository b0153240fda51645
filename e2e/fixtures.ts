/**
 * Shared Playwright fixtures: every page blocks the Google Fonts request venus makes, and tests reach the app
 * inside the simulator's iframe, the dev stack's keys, and the Personalize emulator's control API.
 */
import { test as base, expect, type FrameLocator, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { E2E_DATA_DIR, E2E_PORT } from "../playwright.config";

export const APP_URL = `http://localhost:${E2E_PORT}`;
export const HOST_URL = `http://127.0.0.1:${E2E_PORT + 1}`;
export const EMULATOR_URL = `http://127.0.0.1:${E2E_PORT + 2}`;
export const DEV_PROJECT_UID = "65f0c0ffee00000000000001";

export function devKeys(): { trackingWriteKey: string; webhookSharedSecret: string } {
  return JSON.parse(readFileSync(join(E2E_DATA_DIR, "dev-keys.json"), "utf8"));
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

export const test = base.extend<{ blockFonts: void }>({
  blockFonts: [
    async ({ page }, use) => {
      await page.route(/fonts\.(googleapis|gstatic)\.com/, (route) => route.abort());
      await use();
    },
    { auto: true },
  ],
});
export { expect };
