import { defineConfig } from "@playwright/test";
import { spawnSync } from "node:child_process";

/**
 * The dev stack takes four consecutive ports (app, host simulator, Personalize emulator, Segment emulator). The
 * runner picks a free block once and hands it to its workers through the environment, so several runs (and
 * anything else on the machine) never collide on a fixed port.
 */
function freePortBlock(size: number): number {
  const script = `
    const net = require("node:net");
    const free = (port) => new Promise((ok) => {
      const server = net.createServer().once("error", () => ok(false)).listen(port, "127.0.0.1", () => server.close(() => ok(true)));
    });
    (async () => {
      for (let tries = 0; tries < 200; tries++) {
        const base = 20000 + Math.floor(Math.random() * 40000);
        let all = true;
        for (let i = 0; i < ${size} && all; i++) all = await free(base + i);
        if (all) { process.stdout.write(String(base)); return; }
      }
      process.exit(1);
    })();`;
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  const port = Number(result.stdout);
  if (result.status !== 0 || !Number.isInteger(port)) throw new Error(`no free block of ${size} ports: ${result.stderr}`);
  return port;
}

process.env.E2E_PORT ??= String(freePortBlock(4));
/** The whole app as `npm start` runs it, on its own ports and data folder, with demo traffic off. */
export const E2E_PORT = Number(process.env.E2E_PORT);
export const E2E_DATA_DIR = ".tmp/e2e";

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
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
