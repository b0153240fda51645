import { Analytics } from "@segment/analytics-node";
import { inspectorConfiguration, inspectorProject } from "../server/inspector/scenario";
import { APP_URL, devKeys, emulator, EMULATOR_URL, HOST_URL, openLocation, test, expect } from "./fixtures";
import type { FrameLocator } from "@playwright/test";

const PROJECT = "1n5pec70r0000000000000e2";
let writeKey: string;

async function identify(userId: string, traits: Record<string, unknown>): Promise<void> {
  const analytics = new Analytics({ writeKey, host: APP_URL, flushAt: 1 });
  analytics.identify({ userId, traits });
  await analytics.closeAndFlush();
}

async function inspect(app: FrameLocator, userId: string) {
  await app.getByTestId("user-lookup-input").first().fill(userId);
  await app.getByTestId("user-lookup-submit").first().click();
  await expect(app.getByTestId("inspected-user")).toHaveText(userId);
}

/** The view reads the log when it opens; re-read until the user's events have been delivered. */
async function verdictContains(app: FrameLocator, text: string) {
  await expect(async () => {
    await app.getByTestId("inspector-refresh").click();
    await expect(app.getByTestId("user-verdict")).toContainText(text, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
}

test.beforeEach(async () => {
  await emulator("/fixtures", { method: "POST", body: JSON.stringify({ projects: [inspectorProject(PROJECT)] }) });
  const keys = devKeys();
  writeKey = keys.trackingWriteKey;
  const { configuration, serverConfiguration } = inspectorConfiguration(PROJECT, EMULATOR_URL, `${EMULATOR_URL}/management`);
  const response = await fetch(`${HOST_URL}/api/save`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ configuration, serverConfiguration: { ...serverConfiguration, trackingWriteKey: keys.trackingWriteKey, webhookSharedSecret: keys.webhookSharedSecret } }),
  });
  expect(response.status).toBe(200);
});

test("a marketer enters a user id and reads, on one screen, why that user gets (or not) each variant", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const app = await openLocation(page, "FULL_PAGE_LOCATION");
  const suffix = Date.now().toString(36);
  const users = { dropped: `dropped-${suffix}`, coerced: `coerced-${suffix}`, nothing: `nothing-${suffix}`, preset: `mobile-${suffix}` };

  // Opening any user reads the project's audiences, so the mapping knows lifetime_value is compared as a number.
  await inspect(app, "warm-up");
  await expect(app.getByTestId("audience")).toHaveCount(3);

  await identify(users.dropped, { lifetime_value: "a lot" });
  await identify(users.coerced, { lifetime_value: "500" });
  await identify(users.nothing, { lifetime_value: 20 });
  await identify(users.preset, { plan: "pro" });

  await inspect(app, users.dropped);
  await verdictContains(app, '“High value” is not matched because lifetime_value was dropped: "a lot" is not a number');
  await expect(app.getByTestId("user-warning").filter({ hasText: "a lot" })).toHaveAttribute("data-kind", "dropped");

  await inspect(app, users.coerced);
  await verdictContains(app, "Gets “High-value hero” in “Homepage hero” because “High value” matches.");
  await expect(app.getByTestId("experience").filter({ hasText: "Homepage hero" }).getByTestId("experience-manifest")).toHaveText("High-value hero");
  await expect(app.getByTestId("user-attribute").filter({ hasText: "lifetime_value" })).toContainText("number");
  await expect(app.getByTestId("user-warning").filter({ hasText: "converted to 500" })).toHaveAttribute("data-kind", "converted");
  await page.screenshot({ path: "test-results/user-inspector-1440x900.png" });

  await inspect(app, users.nothing);
  await verdictContains(app, "Matches none of the 3 audiences, so no experience shows a variant; “High value” is not matched because lifetime_value is 20; wanted more than 100.");

  await inspect(app, users.preset);
  await verdictContains(app, "“Mobile pros” cannot be decided here: DEVICE_TYPE is read by Personalize from the visitor's request");
  const rule = app.getByTestId("audience").filter({ hasText: "Mobile pros" }).getByTestId("audience-rule").first();
  await expect(rule).toHaveAttribute("data-outcome", "cannot_evaluate");
  await page.screenshot({ path: "test-results/user-inspector-preset-1440x900.png" });
  await app.getByTestId("inspector-audiences").scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/user-inspector-audiences-1440x900.png" });
});

test("every log row links to its user's view", async ({ page }) => {
  const app = await openLocation(page, "FULL_PAGE_LOCATION");
  const userId = `linked-${Date.now().toString(36)}`;
  await page.setViewportSize({ width: 1440, height: 900 });
  await identify(userId, { lifetime_value: 5 });
  await expect(app.getByTestId("log-row-user").filter({ hasText: userId }).first()).toBeVisible();
  await page.screenshot({ path: "test-results/sync-log-with-user-lookup-1440x900.png" });
  await app.getByTestId("log-row-user").filter({ hasText: userId }).first().getByRole("link").click();
  await expect(app.getByTestId("inspected-user")).toHaveText(userId);
  await expect(app.getByTestId("user-verdict")).toBeVisible();

  // And from the drawer of a row.
  await app.getByTestId("back-to-log").click();
  await app.getByTestId("filter-user-id").fill(userId);
  await app.getByTestId("filter-apply").click();
  await app.getByTestId("log-row-open").first().click();
  await app.getByTestId("log-drawer-inspect-user").click();
  await expect(app.getByTestId("inspected-user")).toHaveText(userId);
});

test("the config screen says what type each audience needs, and the event tester which rules a value satisfies or breaks", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const app = await openLocation(page, "APP_CONFIG_WIDGET");
  await expect(app.getByTestId("audience-type-note").first()).toContainText("Sent as a number: audience “High value” compares it so.");
  await app.getByTestId("tester-input").fill(JSON.stringify({ type: "identify", userId: "tester-types", traits: { lifetime_value: "500", plan: "basic" } }));
  await app.getByTestId("tester-preview-button").click();
  const row = app.getByTestId("tester-impact-row").filter({ hasText: "lifetime_value" });
  await expect(row).toContainText("a number");
  await expect(row).toContainText("✓ “High value”: lifetime_value is 500; wanted more than 100");
  await expect(app.getByTestId("tester-impact-row").filter({ hasText: "plan" })).toContainText("✗ “Mobile pros”");
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/config-audience-types-1440x900.png" });

  await app.getByTestId("attribute-row-0-type").click();
  await app.getByText("String", { exact: true }).last().click();
  await expect(app.getByTestId("audience-type-conflict")).toContainText(
    "Audience “High value” compares lifetime_value as a number, but this row sends a string: those rules will never match.",
  );
});
