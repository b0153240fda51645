/** SQLite's log reads run on a reader thread: a heavy summary leaves the event loop (and writes) free. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openSqliteStore } from "./sqlite-store.ts";

const secrets = createSecretBox(parseSecretKeys(generateSecretKeySpec()));
const dir = mkdtempSync(join(tmpdir(), "sqlite-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite reader thread", () => {
  it("answers a summary over a large log while the event loop keeps turning and writes commit", async () => {
    const store = openSqliteStore(join(dir, "large.db"), secrets);
    try {
      const rows = Array.from({ length: 5000 }, (_, i) => ({
        direction: "inbound" as const,
        status: i % 7 === 0 ? ("rejected" as const) : ("filtered" as const),
        error: `reason ${i % 13}`,
      }));
      for (let batch = 0; batch < 10; batch++) await store.appendFinal("inst-a", rows, batch * 1000);

      let turns = 0;
      let summarized = false;
      const summary = Promise.all([
        store.aggregateLog({ installationUid: "inst-a", from: 0, to: 10_000 }, 1000),
        store.groupErrors({ installationUid: "inst-a", from: 0, to: 10_000 }, ["rejected", "filtered"], 10, 5),
      ]).then((result) => {
        summarized = true;
        return result;
      });
      const accepted = store
        .acceptInbound("inst-a", [{ messageId: "m1", userId: "u1", eventType: "identify", eventName: null, payload: {}, detail: {} }], 50_000)
        .then((result) => ({ ...result, beforeSummary: !summarized }));
      while (!summarized) {
        await new Promise((resolve) => setImmediate(resolve));
        turns += 1;
      }
      const [[aggregates, groups], accept] = await Promise.all([summary, accepted]);
      expect(accept).toEqual({ accepted: 1, duplicates: 0, beforeSummary: true });
      expect(turns).toBeGreaterThan(1);
      expect(aggregates.counts.reduce((sum, count) => sum + count.count, 0)).toBe(50_000);
      expect(groups).toHaveLength(10);
      // A read posted after a write commits sees it.
      expect((await store.queryLog({ installationUid: "inst-a", statuses: ["queued"], limit: 5 })).map((row) => row.messageId)).toEqual(["m1"]);
    } finally {
      await store.close();
    }
  });
});
