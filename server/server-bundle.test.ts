import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./runtime.ts";
import { runCompiledServer, spawnServerProcess } from "./testing/server-process.ts";

const base = { APP_UID: "app", SESSION_SECRET: "s".repeat(32), SECRETS_KEYS: `k1:${Buffer.alloc(32).toString("base64")}` };
const dataDir = mkdtempSync(join(tmpdir(), "segment-sync-bundle-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("the compiled server (dist/server.mjs)", () => {
  it("serves from the bundle with the project's dist/ui, and leaves the dev environment out", async () => {
    await runCompiledServer();
    const server = await spawnServerProcess({ ...base, PORT: "0", DATABASE_URL: join(dataDir, "sync.db") });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      // With a built UI (npm test builds it first) this shows the bundle found the project root.
      const uiBuilt = existsSync(join(PROJECT_ROOT, "dist/ui/index.html"));
      expect((await fetch(`${server.url}/config`)).status).toBe(uiBuilt ? 200 : 404);
    } finally {
      await server.stop();
    }
    await expect(spawnServerProcess({ ...base, PORT: "0" }, ["--dev"])).rejects.toThrow(/exited with 1[\s\S]*no dev environment/);
  });
});
