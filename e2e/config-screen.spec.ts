import AxeBuilder from "@axe-core/playwright";
import { Analytics } from "@segment/analytics-node";
import type { FrameLocator, Page } from "@playwright/test";
import { APP_URL, DEV_PROJECT_UID, EMULATOR_URL, configureInstallation, devKeys, emulator, expect, openLocation, received, saveThroughHost, test } from "./fixtures";

/** What Contentstack holds for a freshly installed app: nothing configured yet. */
async function resetInstallation(): Promise<void> {
  expect((await saveThroughHost({ configuration: {}, serverConfiguration: {} })).status).toBe(200);
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

test.describe("App Configuration screen: wording, navigation and safeguards", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("a problem reads in plain words inline and in the Save bar, and the Save bar's text leads to the field", async ({ page }, testInfo) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    await app.getByTestId("add-attribute-row").click();
    const row = app.getByTestId("attribute-row-2");
    await expect(row.locator("[aria-invalid=true]")).toHaveCount(0);

    await expect(page.locator("#validity-message")).toHaveText("Attribute mappings, row 3: choose a Segment trait");
    await expect(page.locator("#save-button")).toBeDisabled();
    await app.getByTestId("attribute-row-2-source").focus();
    await app.getByTestId("attribute-row-2-attribute").focus();
    await app.getByTestId("attribute-row-2-default").focus();
    await expect(app.locator("#attribute-row-2-source-error")).toHaveText("Choose a Segment trait");
    await expect(app.locator("#attribute-row-2-attribute-error")).toHaveText("Choose a Personalize attribute");

    const validity = app.getByTestId("validity-status");
    await expect(validity).toContainText("Attribute mappings, row 3: choose a Segment trait");
    await app.getByTestId("section-nav-alerts").click();
    await expect(app.getByTestId("attribute-row-2-source")).not.toBeInViewport();
    await app.locator("body").evaluate(() => window.scrollTo(0, 0));
    await app.getByTestId("validity-go-to-field").click();
    await expect(app.getByTestId("attribute-row-2-source")).toBeFocused();
    await expect(app.getByTestId("attribute-row-2-source")).toBeInViewport();
    await page.screenshot({ path: testInfo.outputPath("save-bar-error.png") });

    const shown = `${await page.locator("#validity-message").textContent()} ${await app.locator("body").innerText()}`;
    expect(shown).not.toMatch(/configuration ›|attributeMappings|eventMappings|›|\brow:[A-Za-z0-9_-]/);
  });

  test("a field outside the mapping rows is not red while typing, and shows its message once left", async ({ page }) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const projectUid = app.getByTestId("project-uid-input");
    await projectUid.fill("abc");
    await expect(page.locator("#validity-message")).toHaveText(/^Personalize: Project UID must be the 24-character project UID/);
    await expect(projectUid).not.toHaveAttribute("aria-invalid", "true");
    await app.getByTestId("management-token-input").focus();
    await expect(projectUid).toHaveAttribute("aria-invalid", "true");
    await expect(app.locator("#personalize-project-uid-error")).toHaveText(/^Must be the 24-character project UID/);
  });

  test("tester notes name mapping rows as the screen does, never by internal id", async ({ page }) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    await app.getByTestId("tester-input").fill(JSON.stringify({ type: "identify", userId: "notes-1", traits: { plan: null, lifetime_value: "a lot" } }));
    await app.getByTestId("tester-preview-button").click();
    const mapping = app.getByTestId("tester-mapping");
    await expect(mapping).toContainText("Attribute mapping 1 (traits.plan → plan): null, dropped");
    await expect(mapping).toContainText("Attribute mapping 2 (traits.lifetime_value → lifetime_value)");
    expect(await app.locator("body").innerText()).not.toMatch(/\b(row|default):(plan|ltv)\b/);
  });

  test("an FQL condition the parser would read as something else is refused on the screen and by the server", async ({ page }) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const condition = app.getByTestId("event-row-0-condition");
    await condition.fill("properties.position == ");
    await app.getByTestId("event-row-0-personalize-event").focus();
    await expect(app.locator("#event-row-0-condition-error")).toContainText('Segment would read this as properties.position = "="');
    await expect(page.locator("#validity-message")).toHaveText(/^Event mappings, row 1: Condition: Segment would read this as/);
    await expect(page.locator("#save-button")).toBeDisabled();
    await condition.fill("properties.position = 3");
    await expect(page.locator("#save-button")).toBeEnabled();

    const keys = devKeys();
    const { body } = await saveThroughHost({
      configuration: {
        personalize: { region: "CUSTOM", projectUid: DEV_PROJECT_UID, customEdgeUrl: EMULATOR_URL },
        eventMappings: [{ id: "pos", enabled: true, source: "track", segmentEvent: "Viewed", personalizeEvent: "viewed", condition: "properties.position == " }],
      },
      serverConfiguration: { trackingWriteKey: keys.trackingWriteKey, webhookSharedSecret: keys.webhookSharedSecret },
    });
    expect(body.webhook?.outcome).toBe("failed");
    expect(body.webhook?.error).toContain("condition: Segment would read this as properties.position = ");
  });

  test("clicking the words of a switch toggles it", async ({ page }) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const audiences = app.getByTestId("engage-audiences");
    await expect(audiences).toBeChecked();
    await app.getByText("Sync audiences", { exact: true }).click();
    await expect(audiences).not.toBeChecked();
    await expect(app.getByRole("checkbox", { name: "Sync audiences" })).not.toBeChecked();
    await app.getByText("Send experiment exposures to Segment", { exact: true }).click();
    await expect(app.getByRole("checkbox", { name: "Send experiment exposures to Segment" })).toBeChecked();
    const sent = (await received(page)).filter((m) => m.name === "setInstallationData").at(-1)!.data as {
      configuration: { engage: { audiences: boolean }; twoWay: { enabled: boolean } };
    };
    expect(sent.configuration.engage.audiences).toBe(false);
    expect(sent.configuration.twoWay.enabled).toBe(true);
  });

  test("Generate asks before replacing a saved secret, and not for an empty one", async ({ page }, testInfo) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const secret = app.getByTestId("shared-secret-input");
    const saved = devKeys().webhookSharedSecret;
    await expect(secret).toHaveValue(saved);

    await app.getByTestId("shared-secret-input-generate").click();
    const dialog = app.getByRole("dialog", { name: "Replace the saved shared secret?" });
    await expect(dialog).toContainText(`••••${saved.slice(-4)}`);
    await page.screenshot({ path: testInfo.outputPath("confirm-modal.png") });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(secret).toHaveValue(saved);

    await app.getByTestId("shared-secret-input-generate").click();
    await dialog.getByRole("button", { name: "Replace shared secret" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(secret).not.toHaveValue(saved);
    await expect(secret).not.toHaveValue("");

    await app.getByTestId("bearer-token-input-generate").click();
    await expect(app.getByTestId("bearer-token-input")).not.toHaveValue("");
    await expect(app.getByRole("dialog")).toHaveCount(0);
  });

  test("an Engage computation the prefix would send to a missing attribute is flagged Not in Personalize", async ({ page }, testInfo) => {
    const { writeKey } = await configureInstallation();
    const userId = `engage-${Date.now().toString(36)}`;
    const analytics = new Analytics({ writeKey, host: APP_URL, flushAt: 1 });
    analytics.identify({
      userId,
      traits: { first_time_shopper: true },
      context: { personas: { computation_class: "audience", computation_id: "aud_1", computation_key: "first_time_shopper", space_id: "spa_1" } },
    });
    await analytics.closeAndFlush();
    await expect
      .poll(async () => {
        try {
          return await emulator(`/users/${DEV_PROJECT_UID}/${userId}`);
        } catch {
          return null;
        }
      })
      .toMatchObject({ attributes: { first_time_shopper: true } });

    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const feed = app.locator('[data-test-id="engage-feed"][data-key="first_time_shopper"]');
    await expect(feed).toContainText("first_time_shopper");
    await expect(feed.getByText("Not in Personalize")).toHaveCount(0);
    await app.getByTestId("engage-prefix-input").fill("engage_");
    await expect(feed).toContainText("engage_first_time_shopper");
    await expect(feed.getByText("Not in Personalize")).toBeVisible();
    await expect(feed.getByRole("button", { name: "Create attribute engage_first_time_shopper in Personalize" })).toBeVisible();
    await feed.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath("engage-prefix-flag.png") });
  });

  test("the section navigation scrolls to each section, marks the current one, and works from the keyboard", async ({ page }, testInfo) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const nav = app.getByRole("navigation", { name: "Configuration sections" });
    await expect(nav.locator('[aria-current="location"]')).toHaveText("Personalize");
    await page.screenshot({ path: testInfo.outputPath("top.png") });

    await nav.getByRole("link", { name: "Alerts" }).click();
    await expect(app.locator("#alerts-webhook-url")).toBeInViewport();
    await expect(nav.locator('[aria-current="location"]')).toHaveText("Alerts");
    await expect(nav).toBeInViewport();

    await nav.getByRole("link", { name: "Engage" }).focus();
    await page.keyboard.press("Enter");
    await expect(app.getByTestId("engage-prefix-input")).toBeInViewport();
    await expect(nav.locator('[aria-current="location"]')).toHaveText("Engage");
    await expect(app.locator("#config-section-engage")).toBeFocused();
    await page.screenshot({ path: testInfo.outputPath("engage-after-navigation.png") });

    await app.locator("body").evaluate(() => window.scrollTo(0, 0));
    await expect(nav.locator('[aria-current="location"]')).toHaveText("Personalize");
  });

  test("the config screen, with a problem shown and with the confirmation open, has no serious or critical accessibility violations", async ({ page }) => {
    await configureInstallation();
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    await app.getByTestId("add-event-row").click();
    await app.getByTestId("event-row-1-personalize-event").focus();
    await expect(app.locator("[aria-invalid=true]").first()).toBeVisible();
    await expect(app.locator("[aria-busy=true]")).toHaveCount(0);
    const blocking = async () => {
      const results = await new AxeBuilder({ page }).include("#app").analyze();
      return results.violations
        .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
        .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
    };
    expect(await blocking()).toEqual([]);
    await app.getByTestId("shared-secret-input-generate").click();
    await expect(app.getByRole("dialog")).toBeVisible();
    expect(await blocking()).toEqual([]);
  });
});
