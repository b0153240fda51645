/**
 * The sync log at a glance (issue 14): consistent numbers that follow every filter, the shown error of the latest
 * attempt, a widget that counts rejected events and stays inside the host frame, a live row count, shareable
 * views, the bundled Inter font, the log above the fold at 1440×900 without sideways scroll, and no serious or
 * critical accessibility violations on the three locations.
 */
import AxeBuilder from "@axe-core/playwright";
import { Analytics } from "@segment/analytics-node";
import type { FrameLocator, Page } from "@playwright/test";
import { APP_URL, configureInstallation, emulator, expect, openLocation, test, type Location } from "./fixtures";

test.use({ viewport: { width: 1440, height: 900 } });

let writeKey: string;
const run = Date.now().toString(36);

async function send(calls: (analytics: Analytics) => void): Promise<void> {
  const analytics = new Analytics({ writeKey, host: APP_URL, flushAt: 1 });
  calls(analytics);
  await analytics.closeAndFlush();
}

/** Sends raw Tracking API events (analytics-node would refuse to send a malformed one). */
async function sendRaw(batch: object[]): Promise<void> {
  const response = await fetch(`${APP_URL}/v1/batch`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
}

async function openView(page: Page, query: string): Promise<FrameLocator> {
  await page.goto(`/host.html?location=FULL_PAGE_LOCATION&${query}`);
  return page.frameLocator("#app");
}

const count = async (app: FrameLocator, testId: string) => Number(await app.getByTestId(testId).getAttribute("data-count"));
const pendingNone = (app: FrameLocator) => expect.poll(() => count(app, "summary-funnel-pending"), { timeout: 20_000 }).toBe(0);

test.beforeEach(async () => {
  ({ writeKey } = await configureInstallation());
});

test("the summary follows every filter, not only the time range", async ({ page }) => {
  const alice = `sum-a-${run}`;
  await send((a) => {
    a.identify({ userId: alice, traits: { plan: "pro" } });
    a.track({ userId: alice, event: "Order Completed" });
    for (let i = 0; i < 4; i++) a.identify({ userId: `sum-other-${run}-${i}`, traits: { plan: "free" } });
  });
  const app = await openView(page, `userId=${alice}`);
  await expect(app.getByTestId("filter-user-id")).toHaveValue(alice);
  await pendingNone(app);
  await expect.poll(() => count(app, "summary-funnel-received")).toBe(2);
  await expect.poll(() => count(app, "summary-funnel-delivered")).toBe(2);
  await expect.poll(() => count(app, "log-count")).toBe(4);
  // Nothing failed in this view: bulk retry says so instead of running "re-queued 0 of 0".
  await expect(app.getByTestId("bulk-retry-start")).toBeDisabled();
  await expect(app.getByTestId("bulk-retry-start")).toHaveText("Nothing to retry");
  // A problem card at zero is not outlined in red.
  const borderOf = (testId: string) => app.getByTestId(testId).evaluate((element) => getComputedStyle(element).borderTopColor);
  await expect.poll(() => count(app, "summary-funnel-failed")).toBe(0);
  expect(await borderOf("summary-funnel-failed")).toBe(await borderOf("summary-funnel-received"));
});

test("a request waiting to retry can be retried now from its drawer", async ({ page }) => {
  const user = `later-${run}`;
  await emulator("/faults", {
    method: "POST",
    body: JSON.stringify({ kind: "rate-limit", retryAfterSeconds: 3600, route: "PATCH /user-attributes", userUid: user, times: 1 }),
  });
  await send((a) => a.identify({ userId: user, traits: { plan: "starter" } }));
  const waiting = await openView(page, `userId=${user}&status=pending_retry`);
  await expect(waiting.getByTestId("log-row-open")).not.toHaveCount(0, { timeout: 20_000 });
  await waiting.getByTestId("log-row-open").first().click();
  const retryNow = waiting.getByTestId("log-drawer-retry-now");
  await expect(retryNow).toContainText("Retry now (next try");
  await retryNow.click();
  const app = await openView(page, `userId=${user}&direction=inbound`);
  await expect(app.getByTestId("log-row-status")).toHaveAttribute("data-status", "delivered", { timeout: 20_000 });
});

test("a row from another day shows its date, no cell is cut off, and a browser clock days ahead still gets a session", async ({ page }) => {
  const user = `day-${run}`;
  await send((a) => a.track({ userId: user, event: "Order Completed", properties: { total: 42 } }));
  await page.clock.setFixedTime(Date.now() + 2 * 86_400_000);
  const app = await openView(page, `userId=${user}`);
  await expect(app.getByTestId("log-row-open").first()).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{2}:\d{2}:\d{2}$/, { timeout: 20_000 });
  const clipped = await app.locator(".log-table__wrap").evaluateAll((cells) =>
    cells.filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent),
  );
  expect(clipped).toEqual([]);
});

test("Top errors counts a failed request once, as the Failed card does", async ({ page }) => {
  const carol = `err-${run}`;
  await emulator("/faults", { method: "POST", body: JSON.stringify({ kind: "status", status: 400, route: "PATCH /user-attributes", userUid: carol }) });
  await send((a) => a.identify({ userId: carol, traits: { plan: "starter" } }));
  const app = await openView(page, `userId=${carol}`);
  await expect.poll(() => count(app, "summary-funnel-failed"), { timeout: 20_000 }).toBe(1);
  await app.getByText(/^Charts and top errors/).click();
  const group = app.getByTestId("summary-top-errors-row");
  await expect(group).toHaveCount(1);
  await expect(group.locator("td").nth(1)).toHaveText("1");
  // The breakdown under the requests count adds up to it.
  const requests = app.getByTestId("summary-requests");
  await expect(requests.locator(".funnel__count")).toHaveText("1");
  await expect(requests.locator(".funnel__share")).toHaveText("0 delivered, 1 failed");
  await emulator("/faults", { method: "DELETE" });
});

test("after a successful retry the event shows Delivered with no error", async ({ page }) => {
  const dana = `retried-${run}`;
  // One failure only: the retry below then succeeds.
  await emulator("/faults", { method: "POST", body: JSON.stringify({ kind: "status", status: 400, route: "PATCH /user-attributes", userUid: dana, times: 1 }) });
  await send((a) => a.identify({ userId: dana, traits: { plan: "starter" } }));
  const app = await openView(page, `userId=${dana}&direction=inbound`);
  const status = app.getByTestId("log-row-status");
  await expect(status).toHaveAttribute("data-status", "failed", { timeout: 20_000 });
  await expect(app.getByTestId("log-row-error")).toContainText("HTTP 400");
  await app.getByTestId("log-row-open").first().click();
  await app.getByTestId("log-drawer-retry").click();
  await expect(status).toHaveAttribute("data-status", "delivered", { timeout: 20_000 });
  await expect(app.getByTestId("log-row-error")).toHaveText("");
});

test("the Error column shows Personalize's message, clamped, with the whole text on hover and in the drawer", async ({ page }) => {
  const user = `msg-${run}`;
  const message =
    "Attribute 'plan' is not defined in this project; create it under Personalize › Attributes, or map the trait to an attribute that exists";
  const shown = `HTTP 400: ${message} (personalize.USER_ATTRIBUTES.UNKNOWN_ATTRIBUTE)`;
  await emulator("/faults", {
    method: "POST",
    body: JSON.stringify({
      kind: "status",
      status: 400,
      route: "PATCH /user-attributes",
      userUid: user,
      body: JSON.stringify({ error: "personalize.USER_ATTRIBUTES.UNKNOWN_ATTRIBUTE", message }),
    }),
  });
  await send((a) => a.identify({ userId: user, traits: { plan: "pro" } }));
  const app = await openView(page, `userId=${user}&direction=personalize`);
  const cell = app.getByTestId("log-row-error");
  await expect(cell).toHaveAttribute("title", shown, { timeout: 20_000 });
  await expect(cell).toHaveText(shown);
  // Two lines at most in the row; the rest is on hover (title) and in the drawer.
  expect(await cell.evaluate((element) => element.scrollHeight > element.clientHeight)).toBe(true);
  await app.getByTestId("log-row-open").first().click();
  await expect(app.getByTestId("log-drawer-error")).toHaveText(shown);
  await emulator("/faults", { method: "DELETE" });
});

test("two-way manifest checks are hidden by default; a toggle kept in the URL shows them", async ({ page }) => {
  await configureInstallation({}, { twoWay: true });
  const user = `check-${run}`;
  await send((a) => a.identify({ userId: user, traits: { plan: "pro" } }));
  const manifestRows = (app: FrameLocator) => app.getByTestId("log-row-event").filter({ hasText: /^manifest/ });

  const shown = await openView(page, `userId=${user}&showChecks=1`);
  await expect(shown.getByTestId("filter-show-checks")).toBeChecked();
  await expect(manifestRows(shown)).toHaveCount(1, { timeout: 20_000 });

  await shown.getByTestId("filter-show-checks").uncheck({ force: true });
  await shown.getByTestId("filter-apply").click();
  await expect.poll(() => page.frames().find((f) => f.url().includes("/sync-log"))?.url()).not.toContain("showChecks");
  await expect(shown.getByTestId("log-row-user").first()).toBeVisible();
  await expect(manifestRows(shown)).toHaveCount(0);
  await expect.poll(() => count(shown, "log-count")).toBeGreaterThan(0);

  // The default view (no parameter) leaves them out too.
  const byDefault = await openView(page, `userId=${user}`);
  await expect(byDefault.getByTestId("filter-show-checks")).not.toBeChecked();
  await expect(byDefault.getByTestId("log-row-user").first()).toBeVisible();
  await expect(manifestRows(byDefault)).toHaveCount(0);
});

test("every filter waits for Apply, and a custom start typed into venus' date and time fields lands in the URL", async ({ page }) => {
  const app = await openView(page, "");
  const frameUrl = () => page.frames().find((f) => f.url().includes("/sync-log"))?.url() ?? "";
  await expect(app.getByTestId("filter-apply")).toBeDisabled();
  await app.getByTestId("filter-status-failed").check({ force: true });
  await app.getByTestId("filter-user-id").fill(`nobody-${run}`);
  await expect(app.getByTestId("filter-pending")).toBeVisible();
  expect(frameUrl()).not.toContain("status=");

  await app.getByTestId("filter-more").click();
  const start = new Date(Date.now() - 86_400_000);
  const two = (n: number) => String(n).padStart(2, "0");
  await app.getByTestId("filter-from-date").pressSequentially(`${two(start.getMonth() + 1)}-${two(start.getDate())}-${start.getFullYear()}`);
  await app.getByTestId("filter-from-time").fill("09:30");
  const from = new Date(start.getFullYear(), start.getMonth(), start.getDate(), 9, 30).toISOString();
  expect(frameUrl()).not.toContain("from=");
  await app.getByTestId("filter-apply").click();
  await expect.poll(() => new URL(frameUrl()).searchParams.get("from")).toBe(from);
  const applied = new URL(frameUrl()).searchParams;
  expect([applied.get("status"), applied.get("userId")]).toEqual(["failed", `nobody-${run}`]);
  await expect(app.getByTestId("filter-pending")).toHaveCount(0);
  await expect(app.getByTestId("filter-apply")).toBeDisabled();

  // A shared link shows the same start in the same fields.
  const reopened = await openView(page, applied.toString());
  await expect(reopened.getByTestId("filter-from-date")).toHaveValue(`${two(start.getMonth() + 1)}-${two(start.getDate())}-${start.getFullYear()}`);
  await expect(reopened.getByTestId("filter-from-time")).toHaveValue("09:30");
});

test("the widget counts rejected events next to its last error, and stays inside the host frame", async ({ page }) => {
  await sendRaw([
    { type: "identify", userId: `rej-${run}`, messageId: `ok-${run}`, traits: { plan: "pro" } },
    { type: "not-a-type", userId: `rej-${run}`, messageId: `rej-${run}` },
  ]);
  const app = await openLocation(page, "DASHBOARD");
  await expect.poll(() => count(app, "widget-failed")).toBeGreaterThan(0);
  await expect.poll(async () => Number(await app.getByTestId("widget-error-rate").getAttribute("data-rate"))).toBeGreaterThan(0);
  await expect(app.getByTestId("widget-last-error")).toContainText("Last error");
  // No link leaves the frame (the app-sdk has no documented way to open the full page): the widget names it.
  await expect(app.locator("a[target=_top], a[target=_parent], a[href]")).toHaveCount(0);
  await expect(app.getByTestId("widget-where-log")).toContainText("Segment sync log");
  await expect(page).toHaveURL(/host\.html\?location=DASHBOARD/);
});

test("the stored row count updates while traffic flows", async ({ page }) => {
  const app = await openLocation(page, "FULL_PAGE_LOCATION");
  const note = app.getByTestId("retention-note");
  await expect(note).toBeVisible();
  const before = Number(await note.getAttribute("data-rows"));
  await send((a) => a.identify({ userId: `count-${run}`, traits: { plan: "pro" } }));
  await expect.poll(async () => Number(await note.getAttribute("data-rows")), { timeout: 20_000 }).toBeGreaterThan(before);
});

test("a copied link reopens the same view and row", async ({ page }) => {
  const user = `share-${run}`;
  await send((a) => a.identify({ userId: user, traits: { plan: "enterprise" } }));
  const app = await openView(page, `userId=${user}&status=delivered`);
  const firstRow = app.getByTestId("log-row-open").first();
  await expect(firstRow).toBeVisible({ timeout: 20_000 });
  const rowId = await firstRow.getAttribute("data-row-id");
  await firstRow.click();
  await expect(app.getByTestId("log-drawer-payload").or(app.getByTestId("log-drawer-request"))).toBeVisible();
  const link = new URL((await app.locator(".copy-button").first().getAttribute("data-copy-text"))!);
  expect(link.searchParams.get("app-token")).toBeNull();
  expect(link.searchParams.get("row")).toBe(rowId);

  const reopened = await openView(page, link.searchParams.toString());
  await expect(reopened.getByTestId("filter-user-id")).toHaveValue(user);
  await expect(reopened.getByTestId("filter-status-delivered")).toBeChecked();
  await expect(reopened.getByTestId("log-drawer-request")).toBeVisible();
  await expect(reopened.locator(`[data-test-id="log-row-open"][data-row-id="${rowId}"]`)).toBeVisible();
});

test.describe("at 1440×900", () => {
  test("Inter is the font in use, the first row is in the first viewport and the table does not scroll sideways", async ({ page }) => {
    const app = await openLocation(page, "FULL_PAGE_LOCATION");
    const firstRow = app.getByTestId("log-row-open").first();
    await expect(firstRow).toBeVisible();
    const frame = page.frames().find((f) => f.url().includes("/sync-log"))!;
    const fonts = await frame.evaluate(async () => {
      await document.fonts.ready;
      const heading = getComputedStyle(document.querySelector("h1")!).fontFamily;
      await document.fonts.load("600 14px Inter");
      return {
        check: document.fonts.check("600 14px Inter") && document.fonts.check("400 14px Inter"),
        loaded: [...document.fonts].some((face) => face.family.replaceAll('"', "") === "Inter" && face.status === "loaded"),
        heading,
      };
    });
    expect(fonts).toMatchObject({ check: true, loaded: true });
    const box = (await firstRow.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(900);
    for (const width of [1440, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await expect
        .poll(() =>
          frame.evaluate(() => {
            const table = document.querySelector(".log-table .Table")!;
            return { table: table.scrollWidth - table.clientWidth, page: document.documentElement.scrollWidth - document.documentElement.clientWidth };
          }),
        )
        .toEqual({ table: 0, page: 0 });
    }
  });

  const locations: Location[] = ["APP_CONFIG_WIDGET", "FULL_PAGE_LOCATION", "DASHBOARD"];
  for (const location of locations) {
    test(`${location} has no serious or critical accessibility violations`, async ({ page }, testInfo) => {
      const app = await openLocation(page, location);
      await expect(app.locator("main").first()).toBeVisible();
      await expect(app.locator("[aria-busy=true]")).toHaveCount(0);
      const results = await new AxeBuilder({ page }).include("#app").analyze();
      const blocking = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
      await page.screenshot({ path: testInfo.outputPath(`${location}.png`) });
      expect(blocking.map((violation) => `${violation.id}: ${violation.nodes.map((node) => `${node.target.join(" ")} (${node.failureSummary})`).join(", ")}`)).toEqual([]);
    });
  }
});
