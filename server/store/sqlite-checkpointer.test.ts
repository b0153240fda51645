import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, expect, it, vi } from "vitest";
import { PROJECT_ROOT } from "../runtime.ts";
import { startCheckpointer } from "./sqlite-checkpointer.ts";

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

it("brings a WAL that grew past the limit back under it, without waiting for a write to restart the log", async () => {
  const dir = mkdtempSync(join(tmpdir(), "checkpointer-"));
  dirs.push(dir);
  const path = join(dir, "wal.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (payload BLOB)");
  const insert = db.prepare("INSERT INTO t (payload) VALUES (?)");
  const limit = 1024 * 1024;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const checkpointer = startCheckpointer(path, { intervalMs: 10, journalSizeLimit: limit, truncateAboveBytes: limit, onReady: () => ready(), onFailure: () => {} });
  await started;
  const walSize = () => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  // A long read (a summary over a big log) keeps every checkpoint from finishing while writes pile up in the WAL.
  const reader = new Database(path);
  reader.exec("BEGIN");
  reader.prepare("SELECT count(*) FROM t").get();
  while (walSize() <= 2 * limit) insert.run(randomBytes(4096));
  reader.exec("COMMIT");
  reader.close();
  try {
    await vi.waitFor(() => expect(walSize()).toBeLessThan(limit), { timeout: 20_000, interval: 20 });
  } finally {
    await checkpointer.stop();
    db.close();
  }
});
