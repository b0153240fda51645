/**
 * An installation upgraded from the schema before the deliveries queue (migrations 1–4, where sync_log was the
 * queue) keeps its log and its queued work: open requests move into the queue with their lanes, leases and attempts;
 * its rows, written as JSON text, read back as they were and are found by every filter once the log's indexes hold
 * installation keys and payloads are stored compactly (migration 8).
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { configurationSchema, serverConfigurationSchema } from "../../src/shared/installation-config.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { createTestSchema } from "../testing/postgres.ts";
import { describePostgres, usePostgresDatabase } from "../testing/postgres-suite.ts";
import { MIGRATIONS, POSTGRES_DIALECT, renderMigration, SQLITE_DIALECT, type Dialect } from "./migrations.ts";
import { openPostgresStore } from "./postgres-store.ts";
import { openSqliteStore } from "./sqlite-store.ts";
import { encodeInstallation } from "./rows.ts";
import { INSTALLATION_COLUMNS, SQL, toDollarParams } from "./statements.ts";
import type { LogQuery, Store } from "./types.ts";
import { planNextBatch } from "../delivery/plan-step.ts";
import { inOneGo } from "../testing/planning.ts";

const secrets = createSecretBox(parseSecretKeys(generateSecretKeySpec()));
const BEFORE_QUEUE = 4;

type Run = (sql: string, params?: unknown[]) => Promise<void>;

const request = (user: string) => JSON.stringify({ method: "PATCH", url: "http://edge.test/user-attributes", headers: {}, body: user });
const LOG_COLUMNS =
  "id, installation_uid, created_at, updated_at, direction, status, user_id, attempt, next_attempt_at, lease_until, open_requests, payload, detail";
/** [id, direction, status, user, attempt, next_attempt_at, lease_until, open_requests, payload, detail] */
const OLD_ROWS: unknown[][] = [
  [1, "inbound", "processing", "u1", 0, null, null, 2, "{}", JSON.stringify({ outboundIds: [2, 3] })],
  [2, "personalize", "pending", "u1", 0, 1000, null, 0, request("u1-a"), JSON.stringify({ eventIds: [1] })],
  [3, "personalize", "pending", "u1", 0, null, null, 0, request("u1-b"), JSON.stringify({ eventIds: [1] })],
  [4, "inbound", "processing", "u2", 0, null, null, 1, "{}", JSON.stringify({ outboundIds: [5] })],
  [5, "personalize", "in_flight", "u2", 1, 1000, 5000, 0, request("u2"), JSON.stringify({ eventIds: [4] })],
  [6, "inbound", "delivered", "u3", 0, null, null, 0, "{}", JSON.stringify({ outboundIds: [7] })],
  [7, "personalize", "delivered", "u3", 1, null, null, 0, request("u3"), JSON.stringify({ eventIds: [6] })],
  [8, "inbound", "queued", "u4", 0, null, null, 0, JSON.stringify({ type: "identify", userId: "u4" }), "{}"],
];

/** Writes today's schema up to BEFORE_QUEUE and an installation with open and settled work, as the old code left it. */
async function writeOldInstallation(run: Run, dialect: Dialect): Promise<void> {
  await run(SQL.createMigrationsTable);
  for (const migration of MIGRATIONS.filter((m) => m.version <= BEFORE_QUEUE)) {
    for (const statement of renderMigration(migration.sql, dialect).split(";").filter((sql) => sql.trim())) await run(statement);
    await run(SQL.recordMigration, [migration.version, migration.name, 1]);
  }
  const installation = encodeInstallation(
    {
      uid: "inst-a",
      stackApiKey: "blt-a",
      organizationUid: "org",
      appUid: "app",
      configuration: configurationSchema.parse({}),
      serverConfiguration: serverConfigurationSchema.parse({}),
      createdAt: 1,
      updatedAt: 1,
    },
    null,
    secrets,
  );
  await run(SQL.upsertInstallation, INSTALLATION_COLUMNS.map((column) => installation[column]));
  for (const [id, direction, status, user, attempt, next, lease, open, payload, detail] of OLD_ROWS) {
    await run(`INSERT INTO sync_log (${LOG_COLUMNS}) VALUES (?, 'inst-a', 1000, 1000, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      id, direction, status, user, attempt, next, lease, open, payload, detail,
    ]);
  }
  await run(`INSERT INTO delivery_attempts (log_id, installation_uid, attempt, started_at, latency_ms, http_status, response_body, error, trigger_type)
    VALUES (7, 'inst-a', 1, 1000, 5, 200, '{}', NULL, 'scheduled')`);
  await run(SQL.stage, ["inst-a", 1000, 1, JSON.stringify([{ messageId: "s1", userId: "u5", eventType: "identify", eventName: null, payload: {}, detail: {} }])]);
}

interface Backend {
  name: string;
  suite: (name: string, body: () => void) => void;
  /** A database holding the old schema and rows, and how to open the store on it. */
  setup(): () => Promise<Store>;
}

const backends: Backend[] = [
  {
    name: "SQLite",
    suite: describe,
    setup() {
      const dir = mkdtempSync(join(tmpdir(), "schema-upgrade-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));
      let count = 0;
      return async () => {
        const path = join(dir, `old-${++count}.db`);
        const db = new Database(path);
        await writeOldInstallation(async (sql, params = []) => void db.prepare(sql).run(...params), SQLITE_DIALECT);
        db.close();
        return openSqliteStore(path, secrets);
      };
    },
  },
  {
    name: "PostgreSQL",
    suite: describePostgres,
    setup() {
      const database = usePostgresDatabase();
      return async () => {
        const url = await createTestSchema(database.url);
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await writeOldInstallation(async (sql, params = []) => void (await client.query(toDollarParams(sql), params)), POSTGRES_DIALECT);
          await client.query("SELECT setval(pg_get_serial_sequence('sync_log', 'id'), 8)");
        } finally {
          await client.end();
        }
        return openPostgresStore(url, secrets);
      };
    },
  },
];

for (const backend of backends) {
  backend.suite(`schema upgrade to the deliveries queue: ${backend.name}`, () => {
    const openUpgraded = backend.setup();
    let store: Store | null = null;
    afterEach(async () => {
      await store?.close();
      store = null;
    });

    it("keeps the log and the queued work: lanes, heads, leases, attempts and the backlog", async () => {
      store = await openUpgraded();
      const rows = await store.queryLog({ installationUid: "inst-a", limit: 100 });
      expect(rows.map((row) => [row.id, row.status, row.nextAttemptAt])).toEqual([
        [8, "queued", null],
        [7, "delivered", null],
        [6, "delivered", null],
        [5, "in_flight", 1000],
        [4, "processing", null],
        [3, "pending", null],
        [2, "pending", 1000],
        [1, "processing", null],
      ]);
      expect((await store.queryLog({ installationUid: "inst-a", statuses: ["in_flight"], limit: 10 })).map((row) => row.id)).toEqual([5]);
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const [id, , , , , , , , payload, detail] of OLD_ROWS) {
        expect(byId.get(Number(id))).toMatchObject({ payload: JSON.parse(String(payload)), detail: JSON.parse(String(detail)) });
      }
      const ids = async (filter: Partial<LogQuery>) =>
        (await store!.queryLog({ installationUid: "inst-a", limit: 100, ...filter })).map((row) => row.id);
      expect(await ids({ userId: "u1" })).toEqual([3, 2, 1]);
      expect(await ids({ directions: ["personalize"], statuses: ["delivered"] })).toEqual([7]);
      expect(await ids({ statuses: ["queued"] })).toEqual([8]);
      expect(await ids({ from: 1000, to: 1001 })).toHaveLength(8);
      expect(await store.logExtent("inst-a")).toEqual({ rows: 8, oldestAt: 1000 });
      expect(await store.unsettledBacklog()).toBe(4);
      expect(await store.unsettledBacklog("inst-a")).toBe(4);
      expect(await store.getAttempts("inst-a", 7)).toMatchObject([{ attempt: 1, httpStatus: 200, resent: false }]);

      // The head of u1's lane is due; u2's request is still leased by the process that claimed it.
      const [head] = await store.claimOutbound(10, 1000, 60_000, []);
      expect(head).toMatchObject({ id: 2, userId: "u1", attempt: 0, eventIds: [1], resent: false, request: { body: "u1-a" } });
      expect(await store.claimOutbound(10, 1000, 60_000, [])).toEqual([]);
      // Its lease ends: another worker resends it, and the attempt says so.
      const [orphan] = await store.claimOutbound(10, 5001, 1000, []);
      expect(orphan).toMatchObject({ id: 5, attempt: 1, eventIds: [4], resent: true });
      await store.recordAttempt(orphan, { status: "delivered", httpStatus: 200, latencyMs: 3, responseBody: "{}" }, 5001, "scheduled");
      expect(await store.getAttempts("inst-a", 5)).toMatchObject([{ attempt: 2, resent: true }]);
      expect((await store.getLogRows("inst-a", [4]))[0]).toMatchObject({ status: "delivered" });

      // Settling u1's head hands the lane on to the next request.
      await store.recordAttempt(head, { status: "delivered", httpStatus: 200, latencyMs: 3, responseBody: "{}" }, 5001, "scheduled");
      expect((await store.claimOutbound(10, 6000, 1000, [])).map((row) => row.id)).toEqual([3]);
      expect(await planNextBatch(store, 10, 6000, inOneGo((events) => {
        expect(events.map((event) => event.id)).toEqual([8]);
        return { inbound: [{ id: 8, status: "filtered", userId: "u4", error: "nothing to send", detail: {}, openRequests: 0 }], outbound: [], userStates: [] };
      }))).toBe(1);
      expect(await store.expandStaged(100)).toBe(1);

      // Rows written after the upgrade sit beside the old ones, in the same filters.
      const [finalId] = await store.appendFinal("inst-a", [{ direction: "inbound", status: "rejected", userId: "u1", payload: { big: "x".repeat(500) } }], 7000);
      expect(await ids({ userId: "u1" })).toEqual([finalId, 3, 2, 1]);
      expect((await store.getLogRows("inst-a", [finalId]))[0].payload).toEqual({ big: "x".repeat(500) });
    });
  });
}

describe("migrations applied out of order", () => {
  it("applies a migration numbered below one already applied (two branches each adding one)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "schema-gap-"));
    try {
      const path = join(dir, "gap.db");
      const skipped = MIGRATIONS.at(-2)!;
      const db = new Database(path);
      db.exec(SQL.createMigrationsTable);
      for (const migration of MIGRATIONS.filter((m) => m !== skipped)) {
        db.exec(renderMigration(migration.sql, SQLITE_DIALECT));
        db.prepare(SQL.recordMigration).run(migration.version, migration.name, 1);
      }
      db.close();
      const store = await openSqliteStore(path, secrets);
      await store.close();
      const reopened = new Database(path, { readonly: true });
      const versions = (reopened.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as Array<{ version: number }>).map((row) => row.version);
      reopened.close();
      expect(versions).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
