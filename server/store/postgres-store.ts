/**
 * The scale-out store: PostgreSQL, shared by any number of API and worker processes. Same tables, migrations and
 * statements as SQLite; what differs is how processes share the queue:
 * - users fall into PLAN_PARTITIONS partitions (a hash of installation and user id), each with its own advisory
 *   lock: a planning batch holds the locks of the partitions it plans (a process that gets none skips the tick),
 *   so processes plan disjoint users concurrently, while each lane's rows are created in id order and two processes
 *   never both make a head;
 * - only a lane's head row has `next_attempt_at`, and claims take due rows with FOR UPDATE SKIP LOCKED, so workers
 *   share deliveries and at most one row per lane is ever claimable;
 * - adding rows to lanes holds a second advisory lock exclusively, and attempt batches (which close heads and hand
 *   lanes on) hold it shared: the writer sees every head closed before it, a batch sees every row added before it,
 *   so no lane is ever left without a head. Writers take it last, for the queue's rows only (the log's rows, under
 *   ids allocated beforehand, are written first), so that deliveries and other planners pause as briefly as possible.
 * Every write NOTIFYs its changed rows in the same transaction (see postgres-change-feed.ts).
 */
import pg from "pg";
import { startChangeFeed, changePayloads, CHANGE_CHANNEL, WORK_CHANNEL, type ChangeFeed } from "./postgres-change-feed.ts";
import { createListeners, type Listeners } from "./listeners.ts";
import { FORGET_USER_SQL, numbered, type ForgetUserResult } from "./forget-user.ts";
import { MIGRATIONS, POSTGRES_DIALECT, renderMigration } from "./migrations.ts";
import { createAlertStateStore, type AlertStateStore } from "./alert-state-store.ts";
import { createRetryJobStore, type RetryJobStore } from "./retry-job-store.ts";
import { postgresRunner } from "./sql-runner.ts";
import { pruneLog } from "./retention.ts";
import { decodeJson, decodeJsonText, encodeJson, encodeJsonPlain } from "./json-codec.ts";
import { decodeQueued, PLAN_PART_EVENTS, planRows, splitPlan, storedPayloads, userKey } from "./plan-rows.ts";
import { nextTurn } from "../event-loop.ts";
import { createLogReader, type LogQueries } from "./log-reader.ts";
import { TENANT_SQL, lifecycleRecordOf } from "./tenant-statements.ts";
import {
  decodeClaimed,
  decodeInstallation,
  decodeNextDue,
  encodeInstallation,
  type Row,
} from "./rows.ts";
import {
  DELIVERY_COLUMNS,
  INSERT_ROW_COLUMNS,
  INSTALLATION_COLUMNS,
  laneSuccessorSql,
  settleInboundSql,
  SQL,
  toDollarParams,
} from "./statements.ts";
import type { SecretBox } from "../security/secret-box.ts";
import type {
  AttemptOutcome,
  LifecycleRecord,
  ChangeNotice,
  ClaimedOutbound,
  FinalLogEntry,
  InboundEvent,
  Installation,
  OutboundPlan,
  PlanningBatch,
  PlanResult,
  QueuedInbound,
  Store,
  StoreHealth,
} from "./types.ts";

/** Connections per process; PostgreSQL's default max_connections (100) then fits about nine processes. */
const POOL_MAX = 10;
/** A store call fails this soon when the database is unreachable, so that ingest answers 503 promptly. */
const CONNECT_TIMEOUT_MS = 2000;
const STATEMENT_TIMEOUT_MS = 30_000;
/** Advisory lock keys (any constants, unique within this app). */
/** Advisory lock serializing secret claims, so that a secret can only ever be claimed by one installation. */
const SECRET_CLAIM_LOCK = 0x5e6_7106;
const LOCK = { migrate: 0x5e6_7101, plan: 0x5e6_7102, prune: 0x5e6_7103, lanes: 0x5e6_7104, expand: 0x5e6_7105, planners: 0x5e6_7107 };
/**
 * Planning partitions, each locked as (LOCK.plan, partition), under LOCK.plan itself held shared (which deleting an
 * installation takes exclusively). A user's events, lanes and attribute clock all fall in one partition: the lane
 * and clock user is the planned user id, which ingest stores in user_id of the queued row. Every process must use
 * the same count, or two of them could plan one user at once.
 */
const PLAN_PARTITIONS = 8;
const planPartitionSql = (installationUid: string, userId: string) =>
  `(hashtext(${installationUid} || chr(31) || coalesce(${userId}, '')) & ${PLAN_PARTITIONS - 1})`;
const ALL_PLAN_PARTITIONS = Array.from({ length: PLAN_PARTITIONS }, (_, partition) => partition);
/**
 * Every store that plans holds LOCK.planners shared on its LISTEN connection while connected; counting the holders
 * tells a planner how many share the partitions. A planner alone takes every partition (a batch is then the oldest
 * events, as on SQLite); one of N takes up to 1/N of them, those with the oldest events first, so that each of the
 * others finds its share free.
 */
const COUNT_PLANNERS = `SELECT count(*) AS planners FROM pg_locks WHERE locktype = 'advisory' AND granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND classid = 0 AND objid = ${LOCK.planners} AND objsubid = 1`;
/** How long a count of planners is used before it is read again. */
const PLANNERS_COUNT_MS = 1000;
/** Takes every partition no other transaction holds. */
const TRY_LOCK_PLAN_PARTITIONS = `SELECT partition FROM unnest($1::integer[]) AS partition
  WHERE pg_try_advisory_xact_lock(${LOCK.plan}, partition)`;
/** Queued events read to order the partitions by their oldest event. */
const PARTITION_ORDER_EVENTS = 256;
/**
 * Takes up to $1 free partitions, those of the oldest queued events first (the oldest of them may be in partitions
 * another process is planning, so the others follow). The lock is tried on the ordered partitions one at a time
 * until the limit has them: the materialized CTE keeps the volatile condition from being pushed below the ordering,
 * and the limit stops reading it.
 */
const TRY_LOCK_OLDEST_PLAN_PARTITIONS = `WITH ordered AS MATERIALIZED (
    SELECT partition FROM (
      SELECT ${planPartitionSql("installation_uid", "user_id")} AS partition, id FROM sync_log WHERE status = 'queued'
      ORDER BY id LIMIT ${PARTITION_ORDER_EVENTS}
    ) oldest
    RIGHT JOIN unnest($2::integer[]) AS every(partition) USING (partition)
    GROUP BY partition ORDER BY min(id) NULLS LAST, partition
  )
  SELECT partition FROM ordered WHERE pg_try_advisory_xact_lock(${LOCK.plan}, partition) LIMIT $1`;
/**
 * The oldest queued events of some partitions. The planner has no statistics on the partition hash: written as
 * `= ANY`, it would expect few rows to match and sort all queued rows; written so, it expects most to match and reads
 * the queued index in id order, as it should for a share of the partitions.
 */
const SELECT_QUEUED_IN_PARTITIONS = `SELECT id, installation_uid, created_at, payload, detail FROM sync_log
  WHERE status = 'queued' AND array_position($1::integer[], ${planPartitionSql("installation_uid", "user_id")}) IS NOT NULL
  ORDER BY id LIMIT $2`;
/** The partitions of the lanes (installation, user) given, ascending: locked in this order, they cannot deadlock. */
const LANE_PARTITIONS = `SELECT DISTINCT ${planPartitionSql("lane.installation_uid", "lane.user_id")} AS partition
  FROM unnest($1::text[], $2::text[]) AS lane(installation_uid, user_id) ORDER BY partition`;
const LOCK_PLAN_PARTITIONS = `SELECT pg_advisory_xact_lock(${LOCK.plan}, partition) FROM unnest($1::integer[]) AS partition`;

const DOLLAR_SQL = Object.fromEntries(
  Object.entries(SQL).map(([name, sql]) => [name, typeof sql === "string" ? toDollarParams(sql) : sql.map(toDollarParams)]),
) as { [Name in keyof typeof SQL]: (typeof SQL)[Name] extends string ? string : string[] };

const COLUMN_TYPES: Record<(typeof INSERT_ROW_COLUMNS)[number], string> = {
  installation_uid: "text",
  created_at: "bigint",
  updated_at: "bigint",
  direction: "text",
  status: "text",
  user_id: "text",
  message_id: "text",
  event_type: "text",
  event_name: "text",
  http_status: "integer",
  next_attempt_at: "bigint",
  error: "text",
  payload: "bytea",
  detail: "bytea",
};
/** Inserts rows in order; with `withIds`, under ids allocated beforehand (ALLOCATE_IDS), passed first. */
function insertRowsSql(withIds: boolean): string {
  const columns = [...(withIds ? ["id"] : []), ...INSERT_ROW_COLUMNS];
  const types = [...(withIds ? ["bigint"] : []), ...INSERT_ROW_COLUMNS.map((column) => COLUMN_TYPES[column])];
  return `INSERT INTO sync_log (${columns.join(", ")}, installation_key)
  SELECT ${columns.join(", ")}, (SELECT id FROM installation_keys WHERE uid = row_values.installation_uid) FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(", ")})
    WITH ORDINALITY AS row_values(${columns.join(", ")}, position)
  ORDER BY position
  RETURNING id`;
}
const INSERT_ROWS = insertRowsSql(false);
const INSERT_ROWS_WITH_IDS = insertRowsSql(true);
/** Sorted, so that two transactions adding the same new installations lock them in the same order. */
const ADD_INSTALLATION_KEYS = `INSERT INTO installation_keys (uid) SELECT DISTINCT uid FROM unnest($1::text[]) AS uid ORDER BY uid
  ON CONFLICT (uid) DO NOTHING`;
const ALLOCATE_IDS = "SELECT nextval(pg_get_serial_sequence('sync_log', 'id')) AS id FROM generate_series(1, $1)";
const MARK_SEEN = `INSERT INTO seen_messages (installation_uid, message_id, seen_at)
  SELECT $1, message_id, $2 FROM unnest($3::text[]) AS message_id ORDER BY message_id
  ON CONFLICT DO NOTHING RETURNING message_id`;
/** One round trip for the worker's frequent question, not one per table. */
const OLDEST_UNPLANNED = `SELECT (${SQL.oldestStaged}) AS staged, (${SQL.oldestQueued}) AS queued`;
const ANY_STAGED = "SELECT EXISTS (SELECT 1 FROM inbound_staged) AS staged";
/** Staged rows read per expansion; each holds one request (up to 2,500 events). */
const STAGED_ROWS_PER_EXPANSION = 64;
const SELECT_STAGED_HEADS = "SELECT id, installation_uid, event_count FROM inbound_staged ORDER BY id LIMIT $1";
/**
 * Moves the staged requests $1 into the log as insertAccepted writes accepted events, in one statement and without
 * the events passing through this process (their JSON is most of what expansion moves): rows in order of request
 * and position, dated when received, each messageId's first occurrence fresh unless an earlier request had it
 * (marked seen in the same statement), the others deduplicated. Payload and detail are the JSON text they were
 * staged as: what insertAccepted writes as a queued event's payload (its detail, which planning rewrites, may be
 * deflated there); a duplicate's are deflated, as insertAccepted writes them, by the caller afterwards (duplicates
 * are rare).
 */
const EXPAND_STAGED = `WITH staged AS (
    DELETE FROM inbound_staged WHERE id = ANY($1::bigint[]) RETURNING id, installation_uid, received_at, events
  ), staged_events AS (
    SELECT staged.id AS staged_id, staged.installation_uid, staged.received_at, event.*
    FROM staged, ROWS FROM (json_to_recordset(staged.events::json) AS ("messageId" text, "userId" text, "eventType" text,
      "eventName" text, payload json, detail json)) WITH ORDINALITY AS event(message_id, user_id, event_type, event_name,
      payload, detail, position)
  ), first_occurrences AS (
    SELECT DISTINCT ON (installation_uid, message_id) installation_uid, message_id, received_at, staged_id, position
    FROM staged_events WHERE message_id IS NOT NULL
    ORDER BY installation_uid, message_id, staged_id, position
  ), fresh AS (
    INSERT INTO seen_messages (installation_uid, message_id, seen_at)
    SELECT installation_uid, message_id, received_at FROM first_occurrences ORDER BY message_id
    ON CONFLICT DO NOTHING RETURNING installation_uid, message_id
  )
  INSERT INTO sync_log (installation_uid, created_at, updated_at, direction, status, user_id, message_id, event_type,
    event_name, error, payload, detail, installation_key)
  SELECT installation_uid, received_at, received_at, 'inbound', CASE WHEN fresh THEN 'queued' ELSE 'deduplicated' END,
    user_id, message_id, event_type, event_name, CASE WHEN fresh THEN NULL ELSE 'messageId already received' END,
    convert_to(payload::text, 'UTF8'), convert_to(detail::text, 'UTF8'),
    (SELECT id FROM installation_keys WHERE uid = installation_uid)
  FROM (
    SELECT staged_events.*, staged_events.message_id IS NULL OR (fresh.message_id IS NOT NULL
        AND (staged_events.staged_id, staged_events.position) = (first.staged_id, first.position)) AS fresh
    FROM staged_events
    LEFT JOIN first_occurrences first USING (installation_uid, message_id)
    LEFT JOIN fresh USING (installation_uid, message_id)
  ) expanded
  ORDER BY staged_id, position
  RETURNING id, installation_uid, status`;
const DUPLICATE_ROWS = "SELECT id, payload, detail FROM sync_log WHERE id = ANY($1::bigint[])";
const DEFLATE_DUPLICATE_ROWS = `UPDATE sync_log SET payload = deflated.payload, detail = deflated.detail
  FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS deflated(id, payload, detail) WHERE sync_log.id = deflated.id`;
const INSTALLATIONS_BY_UID = "SELECT * FROM installations WHERE uid = ANY($1::text[])";
const CLOCKS = `SELECT installation_uid, user_id, attribute_clock FROM user_state
  WHERE (installation_uid, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;
const OPEN_LANES = `SELECT lane.installation_uid, lane.direction, lane.user_id
  FROM unnest($1::text[], $2::text[], $3::text[]) AS lane(installation_uid, direction, user_id)
  WHERE EXISTS (SELECT 1 FROM deliveries WHERE deliveries.installation_uid = lane.installation_uid
    AND deliveries.direction = lane.direction AND deliveries.user_id = lane.user_id)`;
const ENQUEUE = `INSERT INTO deliveries (${DELIVERY_COLUMNS.join(", ")})
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::integer[], $7::bigint[], $8::text[], $9::text[])`;
const PLAN_INBOUND_ROWS = `UPDATE sync_log SET status = plan.status, user_id = COALESCE(plan.user_id, sync_log.user_id),
    error = plan.error, payload = plan.payload, detail = plan.detail, open_requests = plan.open_requests, updated_at = $1
  FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::bytea[], $8::integer[])
    AS plan(id, status, user_id, error, payload, detail, open_requests)
  WHERE sync_log.id = plan.id`;
const UPSERT_CLOCKS = `INSERT INTO user_state (installation_uid, user_id, attribute_clock)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
  ON CONFLICT (installation_uid, user_id) DO UPDATE SET attribute_clock = excluded.attribute_clock`;
/** Expired leases first (their process died), then due heads; requests another process holds are skipped. */
const CLAIM = `WITH expired AS (
    SELECT log_id FROM deliveries WHERE lease_until IS NOT NULL AND lease_until < $1 AND installation_uid <> ALL($4::text[])
    ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED
  ), due AS (
    SELECT log_id FROM deliveries WHERE due_at IS NOT NULL AND lease_until IS NULL AND due_at <= $1
      AND installation_uid <> ALL($4::text[])
    ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
  ), chosen AS (
    SELECT log_id, resent FROM (SELECT log_id, true AS resent FROM expired UNION ALL SELECT log_id, false FROM due) candidates
    ORDER BY resent DESC LIMIT $2
  )
  UPDATE deliveries SET lease_until = $3 FROM chosen WHERE deliveries.log_id = chosen.log_id
  RETURNING deliveries.*, chosen.resent`;
/** Stages a request and wakes the workers of every process, in one statement. */
const STAGE_AND_NOTIFY = `WITH staged AS (${toDollarParams(SQL.stage)} RETURNING id)
  SELECT pg_notify('${WORK_CHANNEL}', '') FROM staged`;
const NOTIFY = `SELECT pg_notify('${CHANGE_CHANNEL}', payload) FROM unnest($1::text[]) AS payload`;
/** Recording a batch of attempts: the statements SQL.insertAttempt … SQL.promoteLane, one row of input per attempt. */
const INSERT_ATTEMPTS = `INSERT INTO delivery_attempts
    (log_id, installation_uid, attempt, started_at, latency_ms, http_status, response_body, error, trigger_type, resent)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::bigint[], $5::integer[], $6::integer[], $7::text[],
    $8::text[], $9::text[], $10::integer[])`;
const FINISH_OUTBOUND_ROWS = `UPDATE sync_log SET status = outcome.status, http_status = outcome.http_status,
    latency_ms = outcome.latency_ms, attempt = outcome.attempt, error = outcome.error, updated_at = outcome.finished_at
  FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::integer[], $5::integer[], $6::text[], $7::bigint[])
    AS outcome(row_id, status, http_status, latency_ms, attempt, error, finished_at)
  WHERE sync_log.id = outcome.row_id`;
const AWAIT_RETRY_ROWS = `UPDATE deliveries SET attempt = retry.attempt, due_at = retry.due_at, lease_until = NULL
  FROM unnest($1::bigint[], $2::integer[], $3::bigint[]) AS retry(row_id, attempt, due_at)
  WHERE deliveries.log_id = retry.row_id`;
const DEQUEUE_ROWS = "DELETE FROM deliveries WHERE log_id = ANY($1::bigint[])";
const SETTLE_INBOUND_ROWS = `UPDATE sync_log SET ${settleInboundSql("settled.settled_at", "settled.outcome", "settled.outcome_error")}
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[])
    AS settled(row_id, row_installation, outcome, outcome_error, settled_at)
  WHERE sync_log.id = settled.row_id AND sync_log.installation_uid = settled.row_installation`;
const INBOUND_AWAITS_RETRY_ROWS = `UPDATE sync_log SET status = 'pending_retry', updated_at = waiting.since
  FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS waiting(row_id, row_installation, since)
  WHERE sync_log.id = waiting.row_id AND sync_log.installation_uid = waiting.row_installation AND status = 'processing'`;
const PROMOTE_LANES = `UPDATE deliveries SET due_at = lane.promoted_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS lane(lane_installation, lane_direction, lane_user, promoted_at)
  WHERE ${laneSuccessorSql("lane.lane_installation", "lane.lane_direction", "lane.lane_user")}`;
/** Attempts recorded in one transaction at most. */
const MAX_ATTEMPT_BATCH = 256;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const laneKey = (installationUid: string, direction: string, userId: string) => `${installationUid}\u0000${direction}\u0000${userId}`;

type RowValues = { [Column in (typeof INSERT_ROW_COLUMNS)[number]]: unknown };

interface PendingAttempt {
  row: ClaimedOutbound;
  outcome: AttemptOutcome;
  startedAt: number;
  trigger: "scheduled" | "manual";
  resolve(): void;
  reject(error: unknown): void;
}

export async function openPostgresStore(url: string, secrets: SecretBox): Promise<PostgresStore> {
  const connection: pg.ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "segment-personalize-sync",
  };
  const pool = new pg.Pool({
    ...connection,
    max: POOL_MAX,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // A client-side bound too, for a database host that vanished without closing the connection.
    query_timeout: STATEMENT_TIMEOUT_MS + 5000,
    idle_in_transaction_session_timeout: STATEMENT_TIMEOUT_MS,
  });
  // An idle connection the server dropped: the pool discards it and opens a new one on demand.
  pool.on("error", () => {});
  const changes = createListeners<ChangeNotice>();
  const work = createListeners<void>();
  try {
    await migrate(pool);
    const feed = await startChangeFeed(connection, { onNotice: changes.emit, onWork: () => work.emit() });
    return new PostgresStore(pool, feed, { changes, work }, secrets, describeDatabase(url));
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/** Several processes may start together: the advisory lock lets one migrate while the others wait. */
async function migrate(pool: pg.Pool): Promise<void> {
  await withClient(pool, async (client) => {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK.migrate]);
    try {
      await client.query(DOLLAR_SQL.createMigrationsTable);
      const applied = new Set((await client.query(DOLLAR_SQL.appliedMigrations)).rows.map((row) => Number(row.version)));
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(renderMigration(migration.sql, POSTGRES_DIALECT));
          await client.query(DOLLAR_SQL.recordMigration, [migration.version, migration.name, Date.now()]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCK.migrate]);
    }
  });
}

/** host:port/database, without credentials. */
function describeDatabase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

/** The log's reads come from createLogReader (merged into the class in the constructor). */
export interface PostgresStore extends LogQueries {}

export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  private closing: Promise<void> | null = null;
  private readonly pendingAttempts: PendingAttempt[] = [];
  private writingAttempts = false;
  private registeredAsPlanner: Promise<void> | null = null;
  private planners = { count: 1, readAt: -Infinity };
  readonly retryJobs: RetryJobStore;
  readonly alertState: AlertStateStore;

  constructor(
    private readonly pool: pg.Pool,
    private readonly feed: ChangeFeed,
    private readonly listeners: { changes: Listeners<ChangeNotice>; work: Listeners<void> },
    private readonly secrets: SecretBox,
    private readonly database: string,
  ) {
    const sql = postgresRunner(pool);
    this.retryJobs = createRetryJobStore(sql);
    this.alertState = createAlertStateStore(sql);
    Object.assign(this, createLogReader(sql));
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.pool.query("SELECT 1");
      const { totalCount, idleCount, waitingCount } = this.pool;
      return {
        ok: true,
        kind: "postgres",
        detail: `${this.database} (pool: ${totalCount} open, ${idleCount} idle, ${waitingCount} waiting, max ${POOL_MAX})`,
      };
    } catch (error) {
      return { ok: false, kind: "postgres", detail: `${this.database}: ${(error as Error).message}` };
    }
  }

  close(): Promise<void> {
    this.closing ??= this.feed.close().then(() => this.pool.end());
    return this.closing;
  }

  async getInstallation(uid: string): Promise<Installation | null> {
    const [row] = await this.rows(DOLLAR_SQL.getInstallation, [uid]);
    return row ? decodeInstallation(row, this.secrets) : null;
  }

  async findInstallationByWriteKeyHash(hash: string): Promise<Installation | null> {
    const [row] = await this.rows(DOLLAR_SQL.byWriteKey, [hash]);
    return row ? decodeInstallation(row, this.secrets) : null;
  }

  async saveInstallation(installation: Installation, writeKeyHash: string | null): Promise<void> {
    const encoded = encodeInstallation(installation, writeKeyHash, this.secrets);
    await this.transaction(async (client) => {
      if (writeKeyHash) await client.query(DOLLAR_SQL.clearWriteKey, [writeKeyHash, installation.uid]);
      await client.query(DOLLAR_SQL.upsertInstallation, INSTALLATION_COLUMNS.map((column) => encoded[column]));
    });
  }

  async deleteInstallation(uid: string): Promise<void> {
    await this.transaction(async (client) => {
      // Waits for planning and lane writes in progress, which could otherwise add rows after the delete.
      await client.query("SELECT pg_advisory_xact_lock($1), pg_advisory_xact_lock($2), pg_advisory_xact_lock($3)", [
        LOCK.expand,
        LOCK.plan,
        LOCK.lanes,
      ]);
      for (const sql of DOLLAR_SQL.deleteInstallation) await client.query(sql, [uid]);
    });
  }

  async forgetUser(installationUid: string, userId: string): Promise<ForgetUserResult> {
    return this.transaction(async (client) => {
      const open = Number((await client.query(numbered(FORGET_USER_SQL.countOpen), [installationUid, userId])).rows[0].n);
      await client.query(numbered(FORGET_USER_SQL.deleteAttempts), [installationUid, installationUid, userId]);
      const removed = (await client.query(numbered(FORGET_USER_SQL.deleteRows), [installationUid, userId])).rowCount ?? 0;
      await client.query(numbered(FORGET_USER_SQL.deleteClock), [installationUid, userId]);
      return { removed, open };
    });
  }

  async stageInbound(installationUid: string, events: InboundEvent[], now: number): Promise<void> {
    if (events.length) await this.pool.query(STAGE_AND_NOTIFY, [installationUid, now, events.length, JSON.stringify(events)]);
  }

  async expandStaged(maxEvents: number): Promise<number> {
    // Workers ask after every change they hear of; mostly nothing is staged, and one statement says so.
    const [{ staged }] = await this.rows(ANY_STAGED, []);
    if (!staged) return 0;
    return this.transaction(async (client) => {
      const [{ locked }] = (await client.query("SELECT pg_try_advisory_xact_lock($1) AS locked", [LOCK.expand])).rows;
      if (!locked) return 0;
      const heads = (await client.query(SELECT_STAGED_HEADS, [STAGED_ROWS_PER_EXPANSION])).rows;
      const taken: Row[] = [];
      let events = 0;
      for (const head of heads) {
        if (events > 0 && events + Number(head.event_count) > maxEvents) break;
        taken.push(head);
        events += Number(head.event_count);
      }
      if (taken.length === 0) return 0;
      await client.query(ADD_INSTALLATION_KEYS, [[...new Set(taken.map((head) => String(head.installation_uid)))]]);
      const rows = (await client.query(EXPAND_STAGED, [taken.map((head) => Number(head.id))])).rows;
      const duplicates = rows.filter((row) => row.status === "deduplicated").map((row) => Number(row.id));
      if (duplicates.length) {
        const stored = (await client.query(DUPLICATE_ROWS, [duplicates])).rows;
        await client.query(DEFLATE_DUPLICATE_ROWS, [
          stored.map((row) => Number(row.id)),
          stored.map((row) => encodeJson(decodeJson(row.payload))),
          stored.map((row) => encodeJson(decodeJson(row.detail))),
        ]);
      }
      const changed = new Map<string, number[]>();
      for (const row of rows) {
        const ids = changed.get(String(row.installation_uid));
        if (ids) ids.push(Number(row.id));
        else changed.set(String(row.installation_uid), [Number(row.id)]);
      }
      await notify(client, changed);
      return events;
    });
  }

  async acceptInbound(installationUid: string, events: InboundEvent[], now: number) {
    return this.transaction(async (client) => {
      const { ids, duplicates } = await insertAccepted(client, installationUid, events, now);
      await notify(client, new Map([[installationUid, ids]]));
      return { accepted: events.length - duplicates, duplicates };
    });
  }

  async stagedEvents(installationUid: string): Promise<number> {
    const [row] = await this.rows(DOLLAR_SQL.stagedEvents, [installationUid]);
    return Number(row.n);
  }

  async oldestUnplanned(): Promise<number | null> {
    const [{ staged, queued }] = await this.rows(OLDEST_UNPLANNED, []);
    const times = [staged, queued].filter((at) => at !== null).map(Number);
    return times.length ? Math.min(...times) : null;
  }

  async unplannedAtLeast(count: number): Promise<boolean> {
    const [row] = await this.rows(DOLLAR_SQL.unplannedUpTo, [count]);
    return Number(row.n) >= count;
  }

  async appendFinal(installationUid: string, entries: FinalLogEntry[], now: number): Promise<number[]> {
    return this.transaction(async (client) => {
      const ids = await insertRows(
        client,
        entries.map((entry) => ({
          installation_uid: installationUid,
          created_at: now,
          updated_at: now,
          direction: entry.direction,
          status: entry.status,
          user_id: entry.userId ?? null,
          message_id: entry.messageId ?? null,
          event_type: entry.eventType ?? null,
          event_name: entry.eventName ?? null,
          http_status: entry.httpStatus ?? null,
          next_attempt_at: null,
          error: entry.error ?? null,
          payload: encodeJson(entry.payload),
          detail: encodeJson(entry.detail ?? {}),
        })),
      );
      await notify(client, new Map([[installationUid, ids]]));
      return ids;
    });
  }

  async unsettledBacklog(installationUid?: string): Promise<number> {
    const [row] = installationUid === undefined
      ? await this.rows(DOLLAR_SQL.backlog, [])
      : await this.rows(DOLLAR_SQL.installationBacklog, [installationUid, installationUid]);
    return Number(row.n);
  }

  async claimSecrets(installationUid: string, secretHashes: string[]): Promise<string | null> {
    return this.transaction(async (client) => {
      // One claim at a time across processes: two installations saving the same new secret cannot both win.
      await client.query("SELECT pg_advisory_xact_lock($1)", [SECRET_CLAIM_LOCK]);
      if (secretHashes.length) {
        const taken = await client.query(toDollarParams(TENANT_SQL.claimedByOthers(secretHashes.length)), [installationUid, ...secretHashes]);
        if (taken.rows.length) return String(taken.rows[0].secret_hash);
      }
      await client.query(toDollarParams(TENANT_SQL.releaseClaims), [installationUid]);
      for (const hash of new Set(secretHashes)) await client.query(toDollarParams(TENANT_SQL.claim), [hash, installationUid]);
      return null;
    });
  }

  async advanceLifecycle(installationUid: string, entry: LifecycleRecord): Promise<boolean> {
    const result = await this.pool.query(toDollarParams(TENANT_SQL.advanceLifecycle), [
      installationUid,
      entry.triggeredAt,
      entry.bodyDigest,
      entry.event,
      entry.uninstalledAt,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async lifecycleRecord(installationUid: string): Promise<LifecycleRecord | null> {
    const [row] = await this.rows(toDollarParams(TENANT_SQL.lifecycleRecord), [installationUid]);
    return lifecycleRecordOf(row);
  }

  async restoreLifecycle(installationUid: string, applied: LifecycleRecord, previous: LifecycleRecord | null): Promise<void> {
    if (previous) {
      await this.pool.query(toDollarParams(TENANT_SQL.restoreLifecycle), [
        previous.triggeredAt,
        previous.bodyDigest,
        previous.event,
        previous.uninstalledAt,
        installationUid,
        applied.bodyDigest,
      ]);
    } else await this.pool.query(toDollarParams(TENANT_SQL.forgetLifecycle), [installationUid, applied.bodyDigest]);
  }

  async countRefusals(counts: ReadonlyMap<string, number>, now: number): Promise<void> {
    if (counts.size === 0) return;
    await this.transaction(async (client) => {
      for (const [uid, count] of counts) await client.query(toDollarParams(TENANT_SQL.countRefusals), [uid, count, now]);
    });
  }

  async unauthenticatedRefusals(installationUid: string): Promise<number> {
    const [row] = await this.rows(toDollarParams(TENANT_SQL.refusals), [installationUid]);
    return row ? Number(row.unauthenticated) : 0;
  }

  async enqueueOutbound(plans: OutboundPlan[], now: number): Promise<number[]> {
    return this.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock_shared($1)", [LOCK.plan]);
      const { rows: partitions } = await client.query(LANE_PARTITIONS, [plans.map((out) => out.installationUid), plans.map((out) => out.userId)]);
      await client.query(LOCK_PLAN_PARTITIONS, [partitions.map((row) => Number(row.partition))]);
      const ids = await this.insertOutbound(client, plans, now);
      const changed = new Map<string, number[]>();
      plans.forEach((out, index) => changed.set(out.installationUid, [...(changed.get(out.installationUid) ?? []), ids[index]]));
      await notify(client, changed);
      return ids;
    });
  }

  /** The batch holds a connection, in a transaction that holds its partitions' locks, until it is committed or released. */
  async nextPlanningBatch(limit: number): Promise<PlanningBatch | null> {
    const { client, giveBack } = await takeClient(this.pool);
    let open = true;
    const end = async (statement: "COMMIT" | "ROLLBACK") => {
      if (!open) return;
      open = false;
      try {
        await client.query(statement);
        giveBack(false);
      } catch (error) {
        giveBack(true);
        throw error;
      }
    };
    const rollBack = () => end("ROLLBACK").catch(() => {});
    try {
      await client.query("BEGIN");
      const partitions = await this.lockPlanPartitions(client);
      const queued = await selectQueued(client, partitions, limit);
      if (queued.length === 0) {
        await rollBack();
        return null;
      }
      const events = queued.map(decodeQueued);
      const installations = new Map<string, Installation>();
      for (const row of (await client.query(INSTALLATIONS_BY_UID, [[...new Set(events.map((event) => event.installationUid))]])).rows) {
        installations.set(String(row.uid), decodeInstallation(row, this.secrets));
      }
      const clocks = new Map<string, Record<string, string>>();
      return {
        events,
        installation: (uid) => installations.get(uid) ?? null,
        readClocks: async (users) => {
          if (users.length === 0) return;
          const { rows } = await client.query(CLOCKS, [users.map(([uid]) => uid), users.map(([, userId]) => userId)]);
          for (const [uid, userId] of users) clocks.set(userKey(uid, userId), {});
          for (const row of rows) clocks.set(userKey(String(row.installation_uid), String(row.user_id)), JSON.parse(String(row.attribute_clock)));
        },
        attributeClock: (installationUid, userId) => clocks.get(userKey(installationUid, userId)),
        commit: async (plan, now) => {
          try {
            await this.writePlan(client, events, storedPayloads(queued), plan, now);
            await end("COMMIT");
            return events.length;
          } catch (error) {
            await rollBack();
            throw error;
          }
        },
        release: rollBack,
      };
    } catch (error) {
      await rollBack();
      throw error;
    }
  }

  private registerAsPlanner(): Promise<void> {
    return (this.registeredAsPlanner ??= this.feed.holdSharedLock(LOCK.planners));
  }

  /** Locks the partitions this planner may plan now: every free one when it plans alone, else its share. */
  private async lockPlanPartitions(client: pg.PoolClient): Promise<number[]> {
    await this.registerAsPlanner();
    const [{ open }] = (await client.query("SELECT pg_try_advisory_xact_lock_shared($1) AS open", [LOCK.plan])).rows;
    if (!open) return [];
    if (Date.now() - this.planners.readAt >= PLANNERS_COUNT_MS) {
      const [{ planners }] = (await client.query(COUNT_PLANNERS)).rows;
      this.planners = { count: Math.max(1, Number(planners)), readAt: Date.now() };
    }
    const { rows } = this.planners.count === 1
      ? await client.query(TRY_LOCK_PLAN_PARTITIONS, [ALL_PLAN_PARTITIONS])
      : await client.query(TRY_LOCK_OLDEST_PLAN_PARTITIONS, [Math.ceil(PLAN_PARTITIONS / this.planners.count), ALL_PLAN_PARTITIONS]);
    return rows.map((row) => Number(row.partition));
  }

  /** Outbound ids are allocated first, so that the lanes lock is taken last and held briefly. */
  private async writePlan(
    client: pg.PoolClient,
    events: QueuedInbound[],
    payloads: ReadonlyMap<number, unknown>,
    plan: PlanResult,
    now: number,
  ): Promise<void> {
    const outboundIds = plan.outbound.length
      ? (await client.query(ALLOCATE_IDS, [plan.outbound.length])).rows.map((row) => Number(row.id)).sort((a, b) => a - b)
      : [];
    const rows = await planRowsInParts(events, plan, outboundIds, payloads);
    await client.query(PLAN_INBOUND_ROWS, [
      now,
      rows.inbound.map((row) => row.id),
      rows.inbound.map((row) => row.status),
      rows.inbound.map((row) => row.userId),
      rows.inbound.map((row) => row.error),
      rows.inbound.map((row) => row.payload),
      rows.inbound.map((row) => row.detail),
      rows.inbound.map((row) => row.openRequests),
    ]);
    if (rows.clocks.length) {
      await client.query(UPSERT_CLOCKS, [
        rows.clocks.map((state) => state.installationUid),
        rows.clocks.map((state) => state.userId),
        rows.clocks.map((state) => state.clock),
      ]);
    }
    await notify(client, rows.changed);
    await this.insertOutbound(client, plan.outbound, now, outboundIds);
  }

  /**
   * Inserts the requests (under `ids` when allocated beforehand); each lane's first new row becomes its head unless
   * the lane has open rows. The caller holds the planning locks of their partitions; this takes the lanes lock, held
   * until commit, once the log rows are written: only the queue's rows need it.
   */
  private async insertOutbound(client: pg.PoolClient, outbound: OutboundPlan[], now: number, ids?: number[]): Promise<number[]> {
    if (outbound.length === 0) return [];
    const inserted = await insertRows(
      client,
      outbound.map((out) => {
        return {
          installation_uid: out.installationUid,
          created_at: now,
          updated_at: now,
          direction: out.direction,
          status: "pending",
          user_id: out.userId,
          message_id: out.messageId,
          event_type: out.eventType,
          event_name: out.eventName,
          http_status: null,
          next_attempt_at: null,
          error: null,
          payload: encodeJson(out.request),
          detail: encodeJson({ ...out.detail, eventIds: out.eventIds }),
        };
      }),
      ids,
    );
    await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK.lanes]);
    const lanes = [...new Map(outbound.map((out) => [laneKey(out.installationUid, out.direction, out.userId), out])).values()];
    const { rows: openRows } = await client.query(OPEN_LANES, [
      lanes.map((lane) => lane.installationUid),
      lanes.map((lane) => lane.direction),
      lanes.map((lane) => lane.userId),
    ]);
    const busy = new Set(openRows.map((row) => laneKey(String(row.installation_uid), String(row.direction), String(row.user_id))));
    const heads = outbound.map((out) => {
      const lane = laneKey(out.installationUid, out.direction, out.userId);
      const head = !busy.has(lane);
      busy.add(lane);
      return head;
    });
    const requests = outbound.map((out) => json(out.request));
    await client.query(ENQUEUE, [
      inserted,
      outbound.map((out) => out.installationUid),
      outbound.map((out) => out.direction),
      outbound.map((out) => out.userId),
      outbound.map(() => now),
      outbound.map(() => 0),
      heads.map((head) => (head ? now : null)),
      requests,
      outbound.map((out) => json(out.eventIds)),
    ]);
    return inserted;
  }

  async claimOutbound(limit: number, now: number, leaseMs: number, excludeInstallations: string[]): Promise<ClaimedOutbound[]> {
    const rows = await this.rows(CLAIM, [now, limit, now + leaseMs, excludeInstallations]);
    return rows.map((row) => decodeClaimed(row, Boolean(row.resent)));
  }

  /**
   * Attempts that finish while a batch is being written wait for the next one, and each batch is one transaction
   * of a few multi-row statements: under load, round trips and commits per attempt, not work, bound delivery.
   * Resolves once the attempt is committed; a batch that fails is retried attempt by attempt, so that one bad row
   * cannot fail the others.
   */
  recordAttempt(row: ClaimedOutbound, outcome: AttemptOutcome, startedAt: number, trigger: "scheduled" | "manual"): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pendingAttempts.push({ row, outcome, startedAt, trigger, resolve, reject });
      void this.writeAttempts();
    });
  }

  private async writeAttempts(): Promise<void> {
    if (this.writingAttempts) return;
    this.writingAttempts = true;
    try {
      while (this.pendingAttempts.length) {
        const batch = takeAttemptBatch(this.pendingAttempts);
        try {
          await this.transaction((client) => writeAttemptBatch(client, batch));
          for (const attempt of batch) attempt.resolve();
        } catch {
          for (const attempt of batch) {
            await this.transaction((client) => writeAttemptBatch(client, [attempt])).then(attempt.resolve, attempt.reject);
          }
        }
      }
    } finally {
      this.writingAttempts = false;
    }
  }

  async releaseOutbound(ids: number[], now: number): Promise<void> {
    await this.transaction(async (client) => {
      for (const id of ids) await client.query(DOLLAR_SQL.releaseRow, [now, id]);
    });
  }

  async retryOutbound(installationUid: string, ids: number[], now: number): Promise<number[]> {
    return this.transaction(async (client) => {
      const requeued: number[] = [];
      const touched: number[] = [];
      for (const id of ids) {
        const [row] = (await client.query(DOLLAR_SQL.retryable, [installationUid, id])).rows as Row[];
        if (!row) continue;
        await client.query(DOLLAR_SQL.requeue, [now, id]);
        const eventIds = ((decodeJson(row.detail) ?? {}) as { eventIds?: number[] }).eventIds ?? [];
        await client.query(DOLLAR_SQL.enqueue, [
          id, installationUid, row.direction, row.user_id, row.created_at, row.attempt, now, decodeJsonText(row.payload),
          json(eventIds),
        ]);
        for (const eventId of eventIds) await client.query(DOLLAR_SQL.reopenInbound, [now, eventId, installationUid]);
        requeued.push(id);
        touched.push(id, ...eventIds);
      }
      await notify(client, new Map([[installationUid, touched]]));
      return requeued;
    });
  }

  async retryNow(installationUid: string, ids: number[], now: number): Promise<number[]> {
    return this.transaction(async (client) => {
      const due: number[] = [];
      for (const id of ids) {
        if ((await client.query(DOLLAR_SQL.retryNow, [now, installationUid, id])).rowCount) due.push(id);
      }
      await notify(client, new Map([[installationUid, due]]));
      return due;
    });
  }

  /** One process prunes at a time; the others skip (each worker process prunes every minute). */
  async prune(now: number): Promise<number> {
    return withClient(this.pool, async (client) => {
      const [{ locked }] = (await client.query("SELECT pg_try_advisory_lock($1) AS locked", [LOCK.prune])).rows;
      if (!locked) return 0;
      try {
        return await pruneLog(postgresRunner(client), now);
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [LOCK.prune]);
      }
    });
  }

  onChange(listener: (notice: ChangeNotice) => void): () => void {
    return this.listeners.changes.add(listener);
  }

  /**
   * Work notices arrive through the LISTEN connection, this process's own writes included. A store whose worker
   * listens for work plans too: it counts as a planner from now on, so that the others leave it its share.
   */
  onWork(listener: () => void): () => void {
    void this.registerAsPlanner();
    return this.listeners.work.add(listener);
  }

  async nextDueAt(): Promise<number | null> {
    const [row] = await this.rows(DOLLAR_SQL.nextDue, []);
    return decodeNextDue(row);
  }

  private async rows(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows;
  }

  /** BEGIN … COMMIT on one pooled connection. */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withClient(this.pool, async (client) => {
      await client.query("BEGIN");
      try {
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }
}

/**
 * Runs `work` on one pooled connection. A connection lost between two statements is reported by the next one;
 * the listener only keeps the connection's error event from crashing the process. A connection that failed is
 * discarded rather than returned to the pool (it may be broken or mid-transaction).
 */
async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, giveBack } = await takeClient(pool);
  let failed = false;
  try {
    return await work(client);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    giveBack(failed);
  }
}

/** A pooled connection, and how to give it back (`failed`: discard it). */
async function takeClient(pool: pg.Pool): Promise<{ client: pg.PoolClient; giveBack(failed: boolean): void }> {
  const client = await pool.connect();
  const ignore = () => {};
  client.on("error", ignore);
  return {
    client,
    giveBack(failed) {
      client.off("error", ignore);
      client.release(failed);
    },
  };
}

/** The oldest queued events (up to `limit`) of the partitions given. */
async function selectQueued(client: pg.PoolClient, partitions: number[], limit: number): Promise<Row[]> {
  if (partitions.length === 0) return [];
  if (partitions.length === PLAN_PARTITIONS) return (await client.query(DOLLAR_SQL.selectQueued, [limit])).rows;
  return (await client.query(SELECT_QUEUED_IN_PARTITIONS, [partitions, limit])).rows;
}

/** Up to MAX_ATTEMPT_BATCH attempts with distinct rows and events (an UPDATE … FROM updates a row once). */
function takeAttemptBatch(pending: PendingAttempt[]): PendingAttempt[] {
  const batch: PendingAttempt[] = [];
  const later: PendingAttempt[] = [];
  const rows = new Set<number>();
  for (const attempt of pending) {
    const ids = [attempt.row.id, ...attempt.row.eventIds];
    if (batch.length >= MAX_ATTEMPT_BATCH || ids.some((id) => rows.has(id))) later.push(attempt);
    else {
      batch.push(attempt);
      for (const id of ids) rows.add(id);
    }
  }
  pending.splice(0, pending.length, ...later);
  return batch;
}

async function writeAttemptBatch(client: pg.PoolClient, batch: PendingAttempt[]): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock_shared($1)", [LOCK.lanes]);
  const finished = batch.map(({ row, outcome, startedAt, trigger }) => ({
    row,
    outcome,
    trigger,
    startedAt,
    now: startedAt + outcome.latencyMs,
    attempt: row.attempt + 1,
    error: outcome.status === "delivered" ? null : outcome.error,
  }));
  await client.query({
    name: "insert-attempts",
    text: INSERT_ATTEMPTS,
    values: [
      finished.map((f) => f.row.id),
      finished.map((f) => f.row.installationUid),
      finished.map((f) => f.attempt),
      finished.map((f) => f.startedAt),
      finished.map((f) => f.outcome.latencyMs),
      finished.map((f) => f.outcome.httpStatus),
      finished.map((f) => f.outcome.responseBody),
      finished.map((f) => f.error),
      finished.map((f) => f.trigger),
      finished.map((f) => (f.row.resent ? 1 : 0)),
    ],
  });
  await client.query({
    name: "finish-outbound-rows",
    text: FINISH_OUTBOUND_ROWS,
    values: [
      finished.map((f) => f.row.id),
      finished.map((f) => f.outcome.status),
      finished.map((f) => f.outcome.httpStatus),
      finished.map((f) => f.outcome.latencyMs),
      finished.map((f) => f.attempt),
      finished.map((f) => f.error),
      finished.map((f) => f.now),
    ],
  });
  const retrying = finished.filter((f) => f.outcome.status === "pending_retry");
  const final = finished.filter((f) => f.outcome.status !== "pending_retry");
  if (retrying.length) {
    await client.query({
      name: "await-retry-rows",
      text: AWAIT_RETRY_ROWS,
      values: [
        retrying.map((f) => f.row.id),
        retrying.map((f) => f.attempt),
        retrying.map((f) => (f.outcome.status === "pending_retry" ? f.outcome.nextAttemptAt : null)),
      ],
    });
  }
  if (final.length) await client.query({ name: "dequeue-rows", text: DEQUEUE_ROWS, values: [final.map((f) => f.row.id)] });
  const waiting = retrying.flatMap((f) => f.row.eventIds.map((id) => ({ id, f })));
  if (waiting.length) {
    await client.query({
      name: "inbound-awaits-retry-rows",
      text: INBOUND_AWAITS_RETRY_ROWS,
      values: [waiting.map((w) => w.id), waiting.map((w) => w.f.row.installationUid), waiting.map((w) => w.f.now)],
    });
  }
  const settled = final.flatMap((f) => f.row.eventIds.map((id) => ({ id, f })));
  if (settled.length) {
    await client.query({
      name: "settle-inbound-rows",
      text: SETTLE_INBOUND_ROWS,
      values: [
        settled.map((s) => s.id),
        settled.map((s) => s.f.row.installationUid),
        settled.map((s) => s.f.outcome.status),
        settled.map((s) => s.f.error),
        settled.map((s) => s.f.now),
      ],
    });
  }
  if (final.length) {
    await client.query({
      name: "promote-lanes",
      text: PROMOTE_LANES,
      values: [
        final.map((f) => f.row.installationUid),
        final.map((f) => f.row.direction),
        final.map((f) => f.row.userId),
        final.map((f) => f.now),
      ],
    });
  }
  const changed = new Map<string, number[]>();
  for (const { row } of finished) changed.set(row.installationUid, [...(changed.get(row.installationUid) ?? []), row.id, ...row.eventIds]);
  await notify(client, changed);
}

/** Inserts accepted events as queued rows; messageIds seen before become `deduplicated` rows. */
async function insertAccepted(
  client: pg.PoolClient,
  installationUid: string,
  events: InboundEvent[],
  now: number,
): Promise<{ ids: number[]; duplicates: number }> {
  // Sorted inside MARK_SEEN, so that two requests carrying the same messageIds lock them in the same order.
  const messageIds = [...new Set(events.flatMap((event) => (event.messageId === null ? [] : [event.messageId])))];
  const fresh = new Set(
    messageIds.length
      ? (await client.query(MARK_SEEN, [installationUid, now, messageIds])).rows.map((row) => String(row.message_id))
      : [],
  );
  let duplicates = 0;
  const rows = events.map((event): RowValues => {
    // The first occurrence of a new messageId in the batch is fresh; any later one is a duplicate.
    const isFresh = event.messageId === null || fresh.delete(event.messageId);
    if (!isFresh) duplicates += 1;
    return {
      installation_uid: installationUid,
      created_at: now,
      updated_at: now,
      direction: "inbound",
      status: isFresh ? "queued" : "deduplicated",
      user_id: event.userId,
      message_id: event.messageId,
      event_type: event.eventType,
      event_name: event.eventName,
      http_status: null,
      next_attempt_at: null,
      error: isFresh ? null : "messageId already received",
      payload: isFresh ? encodeJsonPlain(event.payload) : encodeJson(event.payload),
      detail: encodeJson(event.detail),
    };
  });
  return { ids: await insertRows(client, rows), duplicates };
}

async function insertRows(client: pg.PoolClient, rows: RowValues[], ids?: number[]): Promise<number[]> {
  if (rows.length === 0) return [];
  await client.query(ADD_INSTALLATION_KEYS, [[...new Set(rows.map((row) => row.installation_uid))]]);
  const columns = INSERT_ROW_COLUMNS.map((column) => rows.map((row) => row[column]));
  const { rows: inserted } = await client.query(ids ? INSERT_ROWS_WITH_IDS : INSERT_ROWS, ids ? [ids, ...columns] : columns);
  return inserted.map((row) => Number(row.id)).sort((a, b) => a - b);
}

async function notify(client: pg.PoolClient, changed: Map<string, number[]>): Promise<void> {
  const payloads = [...changed].flatMap(([installationUid, ids]) => changePayloads(installationUid, ids));
  if (payloads.length) await client.query(NOTIFY, [payloads]);
}

/** planRows a part at a time (splitPlan), the event loop turning between parts: encoding rows is the costly step. */
async function planRowsInParts(events: QueuedInbound[], plan: PlanResult, outboundIds: number[], payloads: ReadonlyMap<number, unknown>) {
  const idOf = new Map(plan.outbound.map((out, index) => [out, outboundIds[index]]));
  const all: ReturnType<typeof planRows> = { inbound: [], clocks: [], changed: new Map() };
  for (const [index, part] of splitPlan(events, plan, PLAN_PART_EVENTS).entries()) {
    if (index > 0) await nextTurn();
    const rows = planRows(part.events, part.plan, part.plan.outbound.map((out) => idOf.get(out)!), payloads);
    all.inbound.push(...rows.inbound);
    all.clocks.push(...rows.clocks);
    for (const [installationUid, ids] of rows.changed) all.changed.set(installationUid, [...(all.changed.get(installationUid) ?? []), ...ids]);
  }
  return all;
}
