import { defineConfig } from "@playwright/test";

/** The whole app as `npm start` runs it, on its own ports and data folder, with demo traffic off. */
export const E2E_PORT = 4100;
export const E2E_DATA_DIR = ".tmp/e2e";

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: "list",
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT + 1}`,
    testIdAttribute: "data-test-id",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: `rm -rf ${E2E_DATA_DIR} && node --import tsx server/main.ts --dev`,
    url: `http://127.0.0.1:${E2E_PORT + 1}/.well-known/public-keys.json`,
    env: { PORT: String(E2E_PORT), DATA_DIR: E2E_DATA_DIR, DEMO_TRAFFIC: "0", LOG_LEVEL: "warn" },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
  },
});
