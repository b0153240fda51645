/**
 * The store's tenant records on SQLite and PostgreSQL: secret claims (one installation per secret, atomic across
 * connections), the lifecycle record (only strictly newer, restorable, kept after uninstall), refusal counters and
 * the per-installation backlog.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { configurationSchema, serverConfigurationSchema } from "../../src/shared/installation-config.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { createTestSchema } from "../testing/postgres.ts";
import { describePostgres, usePostgresDatabase } from "../testing/postgres-suite.ts";
import { openPostgresStore } from "./postgres-store.ts";
import { openSqliteStore } from "./sqlite-store.ts";
import type { Installation, Store } from "./types.ts";

const secrets = createSecretBox(parseSecretKeys(generateSecretKeySpec()));

const installation = (uid: string): Installation => ({
  uid,
  stackApiKey: `blt-${uid}`,
  organizationUid: "org-1",
  appUid: "app-1",
  configuration: configurationSchema.parse({}),
  serverConfiguration: serverConfigurationSchema.parse({}),
  createdAt: 1000,
  updatedAt: 1000,
});

const backends = [
  {
    name: "SQLite",
    suite: describe,
    setup() {
      const dir = mkdtempSync(join(tmpdir(), "tenant-records-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));
      let count = 0;
      return { location: async () => join(dir, `store-${++count}.db`), open: (path: string) => openSqliteStore(path, secrets) };
    },
  },
  {
    name: "PostgreSQL",
    suite: describePostgres,
    setup() {
      const database = usePostgresDatabase();
      return { location: () => createTestSchema(database.url), open: (url: string) => openPostgresStore(url, secrets) };
    },
  },
];

for (const backend of backends) {
  backend.suite(`tenant records: ${backend.name}`, () => {
    const places = backend.setup();
    let store: Store;
    let second: Store;
    beforeEach(async () => {
      const location = await places.location();
      store = await places.open(location);
      second = await places.open(location);
    });
    afterEach(async () => {
      await store.close();
      await second.close();
    });

    it("gives a secret to one installation only, even when two connections claim it at once", async () => {
      const claims = await Promise.all([store.claimSecrets("a", ["h1", "h2"]), second.claimSecrets("b", ["h2", "h3"])]);
      expect(claims.filter((taken) => taken === "h2")).toHaveLength(1);
      if (claims[0] !== null) expect(await store.claimSecrets("a", ["h1", "h2"])).toBe("h2");
      else expect(await store.claimSecrets("b", ["h2", "h3"])).toBe("h2");
      await store.claimSecrets("b", []);
      expect(await store.claimSecrets("a", ["h1", "h2"])).toBeNull();
      expect(await store.claimSecrets("c", ["h1"])).toBe("h1");
      // Re-claiming replaces the installation's own set: h1 is free once "a" lets it go.
      await store.claimSecrets("a", ["h4"]);
      expect(await store.claimSecrets("c", ["h1"])).toBeNull();
      await store.saveInstallation(installation("c"), null);
      await store.deleteInstallation("c");
      expect(await store.claimSecrets("d", ["h1"])).toBeNull();
    });

    it("advances the lifecycle record only for a strictly newer webhook, keeps it after uninstall, and can restore it", async () => {
      const first = { triggeredAt: 2000, bodyDigest: "d1", event: "install", uninstalledAt: null };
      expect(await store.advanceLifecycle("a", first)).toBe(true);
      expect(await second.advanceLifecycle("a", first)).toBe(false);
      expect(await store.advanceLifecycle("a", { ...first, triggeredAt: 1999, bodyDigest: "d0" })).toBe(false);
      const uninstall = { triggeredAt: 3000, bodyDigest: "d2", event: "uninstall", uninstalledAt: 3000 };
      expect(await store.advanceLifecycle("a", uninstall)).toBe(true);
      await store.saveInstallation(installation("a"), null);
      await store.deleteInstallation("a");
      expect(await second.lifecycleRecord("a")).toEqual(uninstall);
      await store.restoreLifecycle("a", uninstall, first);
      expect(await store.lifecycleRecord("a")).toEqual(first);
      await store.restoreLifecycle("a", first, null);
      expect(await store.lifecycleRecord("a")).toBeNull();
    });

    it("adds refused requests to each installation's counter", async () => {
      await store.countRefusals(new Map([["a", 3], ["b", 1]]), 1000);
      await second.countRefusals(new Map([["a", 2]]), 2000);
      expect(await store.unauthenticatedRefusals("a")).toBe(5);
      expect(await store.unauthenticatedRefusals("b")).toBe(1);
      expect(await store.unauthenticatedRefusals("c")).toBe(0);
    });

    it("counts one installation's backlog apart from the others'", async () => {
      const events = (n: number, prefix: string) =>
        Array.from({ length: n }, (_, i) => ({ messageId: `${prefix}-${i}`, userId: "u", eventType: "identify", eventName: null, payload: {}, detail: {} }));
      await store.stageInbound("a", events(3, "a"), 1000);
      await store.stageInbound("b", events(2, "b"), 1000);
      expect(await store.unsettledBacklog("a")).toBe(3);
      expect(await store.unsettledBacklog("b")).toBe(2);
      expect(await store.unsettledBacklog()).toBe(5);
    });
  });
}
