/** The SQLite database holds every installation's events: only the server's own user may read it. */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openSqliteStore } from "./sqlite-store.ts";

const secrets = createSecretBox(parseSecretKeys(generateSecretKeySpec()));
const dir = mkdtempSync(join(tmpdir(), "sqlite-mode-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modeOf = (file: string) => statSync(file).mode & 0o777;

describe("SQLite file permissions", () => {
  it("creates the database and its -wal and -shm files with mode 0600", async () => {
    const path = join(dir, "new.db");
    const store = openSqliteStore(path, secrets);
    await store.acceptInbound("inst-a", [{ messageId: "m1", userId: "u1", eventType: "identify", eventName: null, payload: {}, detail: {} }], 1000);
    expect([modeOf(path), modeOf(`${path}-wal`), modeOf(`${path}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    await store.close();
  });

  it("narrows an existing database file to 0600", async () => {
    const path = join(dir, "existing.db");
    writeFileSync(path, "");
    chmodSync(path, 0o644);
    const store = openSqliteStore(path, secrets);
    expect(modeOf(path)).toBe(0o600);
    await store.close();
  });
});
