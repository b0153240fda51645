import { Analytics } from "@segment/analytics-node";
import type { FrameLocator, Page } from "@playwright/test";
import { configureInstallation, devKeys, expect, openLocation, SEGMENT_URL, test } from "./fixtures";

const SOURCE_ID = "demoWebsiteSource01";
const INSTALLATION_UID = "dev-installation-0001";
const run = Date.now().toString(36);

interface RecordedApiRequest {
  method: string;
  path: string;
  accept: string;
  body: Record<string, unknown> | null;
  status: number;
}

async function segmentControl<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${SEGMENT_URL}/__emulator/${path}`, { ...init, headers: init.body ? { "content-type": "application/json" } : {} });
  if (!response.ok) throw new Error(`segment emulator ${path}: ${response.status}`);
  return (await response.json()) as T;
}
const writes = async () => (await segmentControl<RecordedApiRequest[]>("public-api/requests")).filter((r) => r.method !== "GET");
const destinations = () => segmentControl<Array<{ id: string; name: string; sourceId: string; subscriptions: Array<{ trigger: string }> }>>("public-api/destinations");

async function sendThroughSegment(calls: (analytics: Analytics) => void): Promise<void> {
  const analytics = new Analytics({ writeKey: devKeys().demoSourceWriteKey, host: SEGMENT_URL, flushAt: 10, flushInterval: 50 });
  calls(analytics);
  await analytics.closeAndFlush();
}

async function openConfig(page: Page): Promise<FrameLocator> {
  await page.setViewportSize({ width: 1440, height: 900 });
  const app = await openLocation(page, "APP_CONFIG_WIDGET");
  await expect(app.getByTestId("section-segment")).toBeVisible();
  return app;
}

async function connectWebsite(app: FrameLocator) {
  const source = app.getByTestId(`segment-source-${SOURCE_ID}`);
  await expect(source.getByTestId("segment-source-state")).toHaveText("Not connected");
  await app.getByTestId(`segment-source-pick-${SOURCE_ID}`).check({ force: true });
  await app.getByTestId("segment-connect-button").click();
  await expect(source.getByTestId("segment-source-state")).toHaveText("Connected, waiting for the first event");
}

test.beforeEach(async () => {
  await segmentControl("reset", { method: "POST" });
});

test.describe("Segment one-click connection", () => {
  test("paste a token, pick a source, Connect; events flow through the created destination; Connect again changes nothing; Disconnect removes it", async ({ page }) => {
    await configureInstallation();
    const keys = devKeys();
    const app = await openConfig(page);
    await expect(app.getByTestId("segment-token-privileges")).toContainText("Source Admin");
    await app.getByTestId("segment-public-api-token-input").fill(keys.segmentPublicApiToken);
    await connectWebsite(app);

    const created = await writes();
    const [destination] = await destinations();
    const subscriptionsPath = `/destinations/${destination.id}/subscriptions`;
    expect(created.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "POST /destinations 200",
      `POST ${subscriptionsPath} 200`,
      `POST ${subscriptionsPath} 200`,
      `POST ${subscriptionsPath} 200`,
    ]);
    expect(created[0].body).toEqual({
      sourceId: SOURCE_ID,
      metadataId: "614a3c7d791c91c41bae7599",
      name: `Contentstack Personalize (${INSTALLATION_UID})`,
      enabled: true,
      settings: { sharedSecret: keys.webhookSharedSecret },
    });
    expect(created[0].accept).toBe("application/vnd.segment.v1+json");
    const ingestUrl = await app.locator("#segment-webhook-url").inputValue();
    expect(created.slice(1).map((r) => r.body)).toEqual(
      ['type = "identify"', 'type = "track" and (event = "Order Completed")', 'type = "track" and (event = "Audience Entered" or event = "Audience Exited")'].map(
        (trigger, index) => ({
          name: `Contentstack Personalize: ${["Identify", "Track events", "Engage audiences"][index]}`,
          actionId: "sendActionWebhook0001",
          trigger,
          enabled: true,
          settings: {
            url: ingestUrl,
            method: "POST",
            headers: {},
            data: { "@path": "$." },
            // One event per request, so the shared secret's X-Signature covers it whole.
            enable_batching: false,
          },
        }),
      ),
    );
    expect(created.slice(1).every((r) => r.accept === "application/vnd.segment.v1alpha+json")).toBe(true);
    await app.getByTestId("segment-connect").scrollIntoViewIfNeeded();
    await page.screenshot({ path: "test-results/segment-connect-connected.png", fullPage: false });

    // Connect again: no write at all, and the screen says so.
    await app.getByTestId(`segment-source-pick-${SOURCE_ID}`).check({ force: true });
    await app.getByTestId("segment-connect-button").click();
    await expect(app.getByTestId("segment-connect-outcome")).toContainText("nothing changed");
    expect(await writes()).toHaveLength(created.length);
    expect(await destinations()).toHaveLength(1);

    // analytics-node → Segment (the emulator) → the created Webhooks (Actions) destination → our log.
    const userId = `via-segment-${run}`;
    await sendThroughSegment((a) => a.track({ userId, event: "Order Completed", properties: { revenue: 12 } }));
    const log = await openLocation(page, "FULL_PAGE_LOCATION");
    await expect(log.getByTestId("log-row-user").filter({ hasText: userId }).first()).toBeVisible();

    const config = await openConfig(page);
    await config.getByTestId("segment-public-api-token-input").fill(keys.segmentPublicApiToken);
    const source = config.getByTestId(`segment-source-${SOURCE_ID}`);
    await expect(source.getByTestId("segment-source-state")).toHaveText("Connected, Segment is delivering events");
    await expect(source.getByTestId("segment-source-latest-event")).toContainText('track "Order Completed"');
    await source.scrollIntoViewIfNeeded();
    await page.screenshot({ path: "test-results/segment-connect-receiving.png" });

    await config.getByTestId(`segment-disconnect-${SOURCE_ID}`).click();
    await expect(config.getByTestId("segment-disconnect-result")).toContainText(`DELETE /destinations/${destination.id}`);
    await expect(source.getByTestId("segment-source-state")).toHaveText("Not connected");
    expect(await destinations()).toEqual([]);
    expect((await writes()).slice(created.length).map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /destinations/${destination.id}`]);
  });

  test("a token without the needed role shows which role is missing", async ({ page }) => {
    await configureInstallation();
    const app = await openConfig(page);
    await app.getByTestId("segment-public-api-token-input").fill(`${devKeys().segmentPublicApiToken}_readonly`);
    await app.getByTestId(`segment-source-pick-${SOURCE_ID}`).check({ force: true });
    await app.getByTestId("segment-connect-button").click();
    await expect(app.getByTestId("segment-missing-role")).toHaveText("Source Admin");
    expect(await destinations()).toEqual([]);
    await app.getByTestId("segment-connect-problem").scrollIntoViewIfNeeded();
    await page.screenshot({ path: "test-results/segment-connect-missing-role.png" });
  });

  test("tracking-plan and Unify names are suggested before any traffic, marked with their origin", async ({ page }) => {
    await configureInstallation({ segmentPublicApiToken: devKeys().segmentPublicApiToken });
    const app = await openConfig(page);
    const option = app.locator('datalist#observed-events-track option[value="Checkout Started"]');
    await expect(option).toHaveAttribute("label", /from the tracking plan \(tracking plan "Website plan"\)/);
    await expect(app.locator('datalist#observed-events-track option[value="Product Viewed"]')).toHaveAttribute("label", /observed by Unify/);
    await expect(app.locator('datalist#observed-keys-traits option[value="loyalty_tier"]')).toHaveAttribute("label", /tracking plan/);
  });

  test("the log's funnel shows Segment's stages and ours for one window, and they add up", async ({ page }) => {
    await configureInstallation({ segmentPublicApiToken: devKeys().segmentPublicApiToken });
    const app = await openConfig(page);
    await connectWebsite(app);
    const [destination] = await destinations();

    const userId = `funnel-${run}`;
    await sendThroughSegment((a) => {
      a.track({ userId, event: "Order Completed", properties: { revenue: 5 } });
      a.identify({ userId, traits: { plan: "pro" } });
      a.track({ userId, event: "Not Subscribed Event" });
    });
    // Segment's delivery overview has counted all three before the page asks for it.
    const delivered = async () => {
      const params = new URLSearchParams({
        sourceId: SOURCE_ID,
        destinationConfigId: destination.id,
        startTime: new Date(Date.now() - 3_600_000).toISOString(),
        endTime: new Date(Date.now() + 3_600_000).toISOString(),
        granularity: "MINUTE",
      });
      const response = await fetch(`${SEGMENT_URL}/delivery-overview/successful-delivery?${params}`, {
        headers: { authorization: `Bearer ${devKeys().segmentPublicApiToken}` },
      });
      return ((await response.json()) as { data: { total: number } }).data.total;
    };
    await expect.poll(delivered).toBe(2);

    const log = await openLocation(page, "FULL_PAGE_LOCATION");
    // Collapsed at first, below the summary cards.
    await log.getByText("Segment → us → Personalize", { exact: true }).click();
    const funnel = log.getByTestId("segment-funnel");
    await expect(funnel).toBeVisible();
    const count = async (testId: string) => Number(await funnel.getByTestId(testId).getAttribute("data-count"));
    const received = await count("segment-stage-successfullyReceived");
    const filteredAtDestination = await count("segment-stage-filteredAtDestination");
    const failedDelivery = await count("segment-stage-failedDelivery");
    const deliveredToUs = await count("segment-stage-successfulDelivery");
    expect({ received, filteredAtDestination, failedDelivery, deliveredToUs }).toEqual({ received: 3, filteredAtDestination: 1, failedDelivery: 0, deliveredToUs: 2 });
    expect(deliveredToUs + filteredAtDestination + failedDelivery).toBe(received);
    // Everything Segment delivered to us in the window, we accepted (the earlier test's event was on another destination).
    expect(await count("our-stage-accepted")).toBeGreaterThanOrEqual(deliveredToUs);
    await funnel.scrollIntoViewIfNeeded();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.screenshot({ path: "test-results/segment-funnel.png" });

    await funnel.getByTestId("our-stage-accepted-rows").click();
    await expect.poll(() => page.frames().find((f) => f.url().includes("/sync-log"))?.url()).toContain("direction=inbound");
  });
});
