import { APP_URL, DEV_PROJECT_UID, configureInstallation, expect, openLocation, received, test } from "./fixtures";

test.beforeEach(async () => {
  await configureInstallation();
});

test.describe("the app inside the Contentstack host simulator", () => {
  test("the config screen loads through the real app-sdk and obtains a session from the app-token", async ({ page }) => {
    const session = page.waitForResponse((r) => r.url().endsWith("/api/session"));
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    await expect(app.getByTestId("config-screen")).toBeVisible();
    const response = await session;
    expect(response.status()).toBe(200);
    expect(response.request().headers().authorization).toMatch(/^Bearer ey/);
    const names = (await received(page)).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["init", "getInstallationData", "setValidity"]));
    await expect(app.getByTestId("project-uid-input")).toHaveValue(DEV_PROJECT_UID);
  });

  test("the full page and the dashboard widget load the same way", async ({ page }) => {
    for (const location of ["FULL_PAGE_LOCATION", "DASHBOARD"] as const) {
      const session = page.waitForResponse((r) => r.url().endsWith("/api/session"));
      const app = await openLocation(page, location);
      expect((await session).status()).toBe(200);
      await expect(app.locator("body")).not.toContainText("Open this app inside Contentstack");
      await expect(app.getByTestId("location-mismatch")).toHaveCount(0);
      await expect(app.getByTestId(location === "DASHBOARD" ? "widget" : "sync-log-page")).toBeVisible();
      expect((await received(page)).find((m) => m.name === "init")).toBeTruthy();
    }
  });

  test("a change reaches setInstallationData whole, Save persists it, and a reload restores it", async ({ page }) => {
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const prefix = app.getByTestId("engage-prefix-input");
    await prefix.fill("seg_");
    await expect
      .poll(async () => {
        const sets = (await received(page)).filter((m) => m.name === "setInstallationData");
        return (sets.at(-1)?.data as { configuration?: { engage?: { attributePrefix?: string } } })?.configuration?.engage?.attributePrefix;
      })
      .toBe("seg_");
    const last = (await received(page)).filter((m) => m.name === "setInstallationData").at(-1)!.data as {
      configuration: Record<string, unknown>;
      serverConfiguration: Record<string, string>;
    };
    expect(Object.keys(last.configuration)).toEqual(
      expect.arrayContaining(["personalize", "segment", "identity", "attributeMappings", "eventMappings", "engage", "retention"]),
    );
    expect(last.serverConfiguration.webhookSharedSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(last.configuration)).not.toContain(last.serverConfiguration.webhookSharedSecret);
    expect(JSON.stringify(last.configuration)).not.toContain(last.serverConfiguration.trackingWriteKey);

    await page.locator("#save-button").click();
    await expect(page.locator("#save-message")).toHaveAttribute("data-status", "ok");
    await page.reload();
    await expect(page.frameLocator("#app").getByTestId("engage-prefix-input")).toHaveValue("seg_");
  });

  test("an invalid value blocks Save with the message, and fixing it unblocks", async ({ page }) => {
    const app = await openLocation(page, "APP_CONFIG_WIDGET");
    const projectUid = app.getByTestId("project-uid-input");
    await projectUid.fill("not-a-project");
    await expect(page.locator("#save-button")).toBeDisabled();
    await expect(page.locator("#validity-message")).toContainText("24-character");
    // The field's own message waits until the field is left, so typing is not interrupted in red.
    await expect(app.locator("#personalize-project-uid-error")).toHaveCount(0);
    await projectUid.blur();
    await expect(app.locator("#personalize-project-uid-error")).toContainText("24-character");
    await projectUid.fill(DEV_PROJECT_UID);
    await expect(page.locator("#save-button")).toBeEnabled();
  });

  test("opened outside Contentstack, the page says what to do instead of hanging", async ({ page }) => {
    await page.goto(`${APP_URL}/config`);
    await expect(page.getByTestId("sdk-unavailable")).toContainText("inside Contentstack");
  });
});
