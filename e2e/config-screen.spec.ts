import { Analytics } from "@segment/analytics-node";
import type { FrameLocator, Page } from "@playwright/test";
import { APP_URL, DEV_PROJECT_UID, EMULATOR_URL, HOST_URL, configureInstallation, emulator, expect, openLocation, received, test } from "./fixtures";

/** What Contentstack holds for a freshly installed app: nothing configured yet. */
async function resetInstallation(): Promise<void> {
  const response = await fetch(`${HOST_URL}/api/save`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ configuration: {}, serverConfiguration: {} }),
  });
  expect(response.status).toBe(200);
}

async function pick(app: FrameLocator, testId: string, option: string): Promise<void> {
  await app.getByTestId(testId).click();
  await app.getByText(option, { exact: true }).last().click();
}

async function suggestions(app: FrameLocator, inputTestId: string): Promise<string[]> {
  const list = await app.getByTestId(inputTestId).getAttribute("list");
  return app.locator(`datalist[id="${list}"] option`).evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
}

async function save(page: Page): Promise<void> {
  await expect(page.locator("#save-button")).toBeEnabled();
  await page.locator("#save-button").click();
  await expect(page.locator("#save-message")).toHaveAttribute("data-status", "ok");
}

test.describe("App Configuration screen", () => {
  test("a full setup from empty, with both sides picked from autocomplete, delivers by the new mapping", async ({ page }) => {
    await resetInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    await expect(app.getByTestId("project-uid-input")).toHaveValue("");

    await pick(app, "region-select", "Custom URL");
    await app.getByTestId("custom-edge-url-input").fill(EMULATOR_URL);
    await app.getByTestId("custom-management-url-input").fill(`${EMULATOR_URL}/management`);
    await app.getByTestId("project-uid-input").fill(DEV_PROJECT_UID);
    await app.getByTestId("management-token-input").fill("dev-management-token");
    await app.getByTestId("shared-secret-input-generate").click();
    await app.getByTestId("tracking-write-key-input-generate").click();

    await app.getByTestId("test-connection-button").click();
    await expect(app.getByTestId("test-connection-edge")).toContainText(/project found/i);
    await expect(app.getByTestId("test-connection-management")).toContainText(/attributes/i);
    await save(page);

    // Traffic first, so that Segment-side suggestions come from what this installation has really seen.
    const sets = (await received(page)).filter((m) => m.name === "setInstallationData");
    const saved = sets.at(-1)!.data as { configuration: object; serverConfiguration: { trackingWriteKey: string; webhookSharedSecret: string } };
    const writeKey = saved.serverConfiguration.trackingWriteKey;
    expect(writeKey).toMatch(/^wk_[0-9a-f]{32}$/);
    const analytics = new Analytics({ writeKey, host: APP_URL, flushAt: 2 });
    analytics.identify({ userId: "setup-user-1", traits: { plan: "starter", lifetime_value: 10 } });
    analytics.track({ userId: "setup-user-1", event: "Order Completed" });
    await analytics.closeAndFlush();
    await page.reload();
    const reloaded = page.frameLocator("#app");

    await reloaded.getByTestId("add-attribute-row").click();
    await expect.poll(() => suggestions(reloaded, "attribute-row-0-source")).toContain("plan");
    await reloaded.getByTestId("attribute-row-0-source").fill("plan");
    await expect.poll(() => suggestions(reloaded, "attribute-row-0-attribute")).toContain("plan");
    await reloaded.getByTestId("attribute-row-0-attribute").fill("plan");

    await reloaded.getByTestId("add-event-row").click();
    await expect.poll(() => suggestions(reloaded, "event-row-0-segment-event")).toContain("Order Completed");
    await reloaded.getByTestId("event-row-0-segment-event").fill("Order Completed");
    await expect.poll(() => suggestions(reloaded, "event-row-0-personalize-event")).toContain("Order Completed");
    await reloaded.getByTestId("event-row-0-personalize-event").fill("Order Completed");
    await save(page);

    const traffic = (await received(page)).filter((m) => m.name === "setInstallationData");
    const last = traffic.at(-1)!.data as { configuration: object; serverConfiguration: Record<string, string> };
    const configurationText = JSON.stringify(traffic.map((m) => (m.data as { configuration: object }).configuration));
    for (const secret of [last.serverConfiguration.webhookSharedSecret, last.serverConfiguration.trackingWriteKey, "dev-management-token"]) {
      expect(secret.length).toBeGreaterThan(10);
      expect(configurationText).not.toContain(secret);
    }
    expect(last.serverConfiguration.personalizeManagementToken).toBe("dev-management-token");

    await page.reload();
    const restored = page.frameLocator("#app");
    await expect(restored.getByTestId("project-uid-input")).toHaveValue(DEV_PROJECT_UID);
    await expect(restored.getByTestId("custom-edge-url-input")).toHaveValue(EMULATOR_URL);
    await expect(restored.getByTestId("attribute-row-0-source")).toHaveValue("plan");
    await expect(restored.getByTestId("attribute-row-0-attribute")).toHaveValue("plan");
    await expect(restored.getByTestId("event-row-0-personalize-event")).toHaveValue("Order Completed");

    const after = new Analytics({ writeKey, host: APP_URL, flushAt: 2 });
    after.identify({ userId: "setup-user-2", traits: { plan: "growth", unmapped: "dropped" } });
    after.track({ userId: "setup-user-2", event: "Order Completed" });
    await after.closeAndFlush();
    await expect
      .poll(async () => {
        try {
          return await emulator(`/users/${DEV_PROJECT_UID}/setup-user-2`);
        } catch {
          return null;
        }
      })
      .toMatchObject({ attributes: { plan: "growth" }, events: [expect.objectContaining({ eventKey: "Order Completed" })] });
    const user = (await emulator(`/users/${DEV_PROJECT_UID}/setup-user-2`)) as { attributes: Record<string, unknown> };
    expect(user.attributes).toEqual({ plan: "growth" });
  });

  test("Create in Personalize creates the missing attribute in the emulator and clears the flag", async ({ page }) => {
    // Two mapping rows (plan, lifetime_value), so the new row is the third.
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    await app.getByTestId("add-attribute-row").click();
    await app.getByTestId("attribute-row-2-source").fill("favorite_color");
    await app.getByTestId("attribute-row-2-attribute").fill("favorite_color");
    await expect(app.getByTestId("attribute-row-2-missing")).toBeVisible();
    await app.getByTestId("attribute-row-2-create").click();
    await expect(app.getByTestId("attribute-row-2-missing")).toHaveCount(0);
    const attributes = (await fetch(`${EMULATOR_URL}/management/attributes`, {
      headers: { authtoken: "dev-management-token", "x-project-uid": DEV_PROJECT_UID },
    }).then((r) => r.json())) as Array<{ key: string }>;
    expect(attributes.map((a) => a.key)).toContain("favorite_color");
  });

  test("a new mapping row is not red before anything is typed; a field's message shows once it is left", async ({ page }) => {
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    await app.getByTestId("add-event-row").click();
    const row = app.locator('[data-test-id^="event-row-"][aria-label^="Event mapping"]').last();
    await expect(row.locator("[aria-invalid=true]")).toHaveCount(0);
    const segmentEvent = row.locator('input[id$="-segment-event"]');
    await segmentEvent.focus();
    await row.locator('input[id$="-personalize-event"]').focus();
    await expect(segmentEvent).toHaveAttribute("aria-invalid", "true");
  });

  test("the event tester shows the exact requests for an identify, a track and an Engage audience event", async ({ page }) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const cases = [
      {
        event: { type: "identify", userId: "tester-1", traits: { plan: "pro" } },
        expect: ["PATCH", `${EMULATOR_URL}/user-attributes`, '"plan": "pro"', "x-cs-personalize-user-uid"],
      },
      {
        event: { type: "track", userId: "tester-1", event: "Order Completed" },
        expect: ["POST", `${EMULATOR_URL}/events`, '"eventKey": "Order Completed"', '"type": "EVENT"'],
      },
      {
        event: {
          type: "identify",
          userId: "tester-1",
          traits: { first_time_shopper: true },
          context: { personas: { computation_class: "audience", computation_id: "aud_1", computation_key: "first_time_shopper", space_id: "spa_1" } },
        },
        expect: ["PATCH", `${EMULATOR_URL}/user-attributes`, '"first_time_shopper": true'],
      },
    ];
    for (const { event, expect: fragments } of cases) {
      await app.getByTestId("tester-input").fill(JSON.stringify(event));
      await app.getByTestId("tester-preview-button").click();
      const request = app.getByTestId("tester-requests-0");
      for (const fragment of fragments) await expect(request).toContainText(fragment);
    }
  });
});
