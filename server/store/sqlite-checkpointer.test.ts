import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { PROJECT_ROOT } from "../runtime.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it("closing the store waits for the checkpoint thread even when nothing else keeps the process alive", () => {
  const dir = mkdtempSync(join(tmpdir(), "checkpointer-"));
  dirs.push(dir);
  const script = join(dir, "open-and-close.mts");
  writeFileSync(
    script,
    `
    import { openSqliteStore } from ${JSON.stringify(join(PROJECT_ROOT, "server/store/sqlite-store.ts"))};
    import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from ${JSON.stringify(join(PROJECT_ROOT, "server/security/secret-box.ts"))};
    const store = openSqliteStore(${JSON.stringify(join(dir, "sync.db"))}, createSecretBox(parseSecretKeys(generateSecretKeySpec())));
    await store.close();
    console.log("closed");`,
  );
  const child = spawnSync(process.execPath, ["--import", "tsx", script], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(child.stderr).not.toMatch(/Error/);
  expect(child.stdout.trim()).toBe("closed");
});
