import { Analytics } from "@segment/analytics-node";
import { readFileSync } from "node:fs";
import type { FrameLocator } from "@playwright/test";
import { APP_URL, configureInstallation, emulator, expect, openLocation, test } from "./fixtures";

let writeKey: string;
/** User ids unique to this run, so that no test sees another's rows (or a previous run's, in a kept data folder). */
const run = Date.now().toString(36);

async function send(calls: (analytics: Analytics) => void): Promise<void> {
  const analytics = new Analytics({ writeKey, host: APP_URL, flushAt: 1 });
  calls(analytics);
  await analytics.closeAndFlush();
}

test.beforeEach(async () => {
  ({ writeKey } = await configureInstallation());
});

const deliveredRequests = (app: FrameLocator) =>
  app.locator(`[data-direction="personalize"] [data-test-id="log-row-status"][data-status="delivered"]`);

test.describe("sync log (full page)", () => {
  test("events sent with analytics-node appear live, and filters by user and status narrow the table", async ({ page }) => {
    const app = await openLocation(page, "FULL_PAGE_LOCATION");
    await expect(app.getByTestId("live-status")).toHaveAttribute("data-status", "live");
    const userId = `live-${run}`;
    await send((a) => {
      a.identify({ userId, traits: { plan: "pro", lifetime_value: 42 } });
      a.track({ userId, event: "Order Completed" });
    });
    await expect(app.getByTestId("log-row-user").filter({ hasText: userId }).first()).toBeVisible();
    await expect.poll(() => deliveredRequests(app).count()).toBeGreaterThan(0);

    await app.getByTestId("filter-user-id").fill(userId);
    await app.getByTestId("filter-apply").click();
    // Filters live in the URL, so a filtered view can be shared.
    await expect.poll(() => page.frames().find((f) => f.url().includes("/sync-log"))?.url()).toContain(userId);
    const users = app.getByTestId("log-row-user");
    await expect.poll(() => users.count()).toBeGreaterThanOrEqual(4);
    await expect.poll(async () => (await users.allTextContents()).every((text) => text.includes(userId))).toBe(true);

    await app.getByTestId("filter-direction-personalize").check({ force: true });
    await app.getByTestId("filter-status-delivered").check({ force: true });
    await app.getByTestId("filter-apply").click();
    await expect.poll(async () => {
      const statuses = await app.getByTestId("log-row-status").evaluateAll((cells) => cells.map((c) => c.getAttribute("data-status")));
      return statuses.length > 0 && statuses.every((s) => s === "delivered");
    }).toBe(true);
  });

  test("the drawer shows the payload as received, the request and the response", async ({ page }) => {
    const userId = `drawer-${run}`;
    await send((a) => a.identify({ userId, traits: { plan: "enterprise" } }));
    const app = await openLocation(page, "FULL_PAGE_LOCATION");
    await app.getByTestId("filter-user-id").fill(userId);
    await app.getByTestId("filter-apply").click();
    await expect(deliveredRequests(app)).toHaveCount(1);
    const inboundRow = app.getByTestId("log-row-open").last();
    await inboundRow.click();
    await expect(app.getByTestId("log-drawer-payload")).toContainText(userId);
    await expect(app.getByTestId("log-drawer-payload")).toContainText("enterprise");
    await expect(app.getByTestId("log-drawer-payload")).not.toContainText(writeKey);
    await app.getByTestId("log-drawer-close").click();
    await app.getByTestId("log-row-open").first().click();
    await expect(app.getByTestId("log-drawer-request")).toContainText("PATCH");
    await expect(app.getByTestId("log-drawer-request")).toContainText("/user-attributes");
    await expect(app.getByTestId("log-drawer-request")).toContainText("enterprise");
    await expect(app.getByTestId("log-drawer-response")).toContainText("200");
  });

  test("a fault produces failed rows; once cleared, retry failed delivers them", async ({ page }) => {
    const userId = `fault-${run}`;
    await emulator("/faults", { method: "POST", body: JSON.stringify({ kind: "status", status: 400, route: "PATCH /user-attributes", userUid: userId }) });
    await send((a) => a.identify({ userId, traits: { plan: "starter" } }));
    const app = await openLocation(page, "FULL_PAGE_LOCATION");
    await app.getByTestId("filter-user-id").fill(userId);
    await app.getByTestId("filter-apply").click();
    const failed = app.locator(`[data-test-id="log-row-status"][data-status="failed"]`);
    await expect(failed.first()).toBeVisible();

    await emulator("/faults", { method: "DELETE" });
    await app.getByTestId("filter-status-failed").check({ force: true });
    await app.getByTestId("filter-apply").click();
    await app.getByTestId("bulk-retry-start").click();
    await expect(app.getByTestId("bulk-retry-scope")).toContainText(`User ID = ${userId}`);
    await expect(app.getByTestId("bulk-retry-scope")).toHaveAttribute("data-count", "1");
    await app.getByTestId("bulk-retry-confirm").click();
    await expect(app.getByTestId("bulk-retry-progress")).toHaveAttribute("data-state", /done|completed|finished/);
    await app.getByTestId("filter-status-failed").uncheck({ force: true });
    await app.getByTestId("filter-apply").click();
    await expect(deliveredRequests(app)).toHaveCount(1);
    await expect(app.locator(`[data-test-id="log-row-status"][data-status="failed"]`)).toHaveCount(0);
    await expect.poll(async () => ((await emulator(`/users/65f0c0ffee00000000000001/${userId}`)) as { attributes: object }).attributes).toEqual({
      plan: "starter",
    });
  });

  test("export downloads the filtered rows in the table's words", async ({ page }) => {
    const userId = `export-${run}`;
    await send((a) => a.identify({ userId, traits: { plan: "pro" } }));
    const app = await openLocation(page, "FULL_PAGE_LOCATION");
    await app.getByTestId("filter-user-id").fill(userId);
    await app.getByTestId("filter-apply").click();
    // The identify and the request it became, once delivered (requests gather for the batch window first).
    await expect(deliveredRequests(app)).toHaveCount(1);
    await expect(app.getByTestId("log-row-user")).toHaveCount(2);
    const download = page.waitForEvent("download");
    await app.getByTestId("export-csv").click();
    const file = await (await download).path();
    const csv = readFileSync(file!, "utf8");
    const lines = csv.trim().split("\n");
    expect(lines[0]).toMatch(/^ID,Time,Direction,Status,User,/);
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((line) => line.includes(userId))).toBe(true);
    // Directions and statuses as the table shows them ("Segment → app", "Delivered"), never the stored names.
    const shownStatuses = await app.getByTestId("log-row-status").allTextContents();
    const exported = lines.slice(1).map((line) => line.split(",").slice(2, 4));
    expect(exported.map(([direction]) => direction).sort()).toEqual(["App → Personalize", "Segment → app"]);
    expect(exported.map(([, status]) => status).sort()).toEqual(shownStatuses.sort());
    expect(csv).not.toMatch(/,(inbound|personalize|queued|delivered|pending),/);
  });
});

test("the dashboard widget shows last-hour health and where the full page is", async ({ page }) => {
  await send((a) => a.identify({ userId: `widget-${run}`, traits: { plan: "pro" } }));
  const app = await openLocation(page, "DASHBOARD");
  await expect(app.getByTestId("widget")).toBeVisible();
  await expect.poll(async () => Number(await app.getByTestId("widget-delivered").getAttribute("data-count"))).toBeGreaterThan(0);
  await expect(app.getByTestId("widget-error-rate")).toBeVisible();
  await expect(app.getByTestId("widget-where-log")).toBeVisible();
});
