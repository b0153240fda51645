/**
 * The embedded default store: better-sqlite3 in WAL mode. Every write is one synchronous transaction, so an
 * event is on disk (in the WAL) before ingest answers 2xx; synchronous=NORMAL keeps that durable across a process
 * crash (kill -9), which is the failure this store guards against (not power loss of the host).
 */
import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { MIGRATIONS, SQLITE_DIALECT, renderMigration } from "./migrations.ts";
import { createAlertStateStore, type AlertStateStore } from "./alert-state-store.ts";
import { createRetryJobStore, type RetryJobStore } from "./retry-job-store.ts";
import { FORGET_USER_SQL, type ForgetUserResult } from "./forget-user.ts";
import { startCheckpointer, type Checkpointer } from "./sqlite-checkpointer.ts";
import { sqliteRunner } from "./sql-runner.ts";
import { createListeners } from "./listeners.ts";
import { pruneLog } from "./retention.ts";
import { decodeJson, decodeJsonText, encodeJson, encodeJsonPlain } from "./json-codec.ts";
import { decodeQueued, PLAN_PART_EVENTS, planRows, splitPlan, storedPayloads, userKey } from "./plan-rows.ts";
import { nextTurn } from "../event-loop.ts";
import { createLogReader, type LogQueries } from "./log-reader.ts";
import { startSqliteReader, type SqliteReader } from "./sqlite-reader.ts";
import {
  decodeClaimed,
  decodeInstallation,
  decodeNextDue,
  encodeInstallation,
  type Row,
} from "./rows.ts";
import { ADD_INSTALLATION_KEY, INSTALLATION_COLUMNS, SQL } from "./statements.ts";
import { TENANT_SQL, lifecycleRecordOf } from "./tenant-statements.ts";
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

export function openSqliteStore(path: string, secrets: SecretBox): SqliteStore {
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true });
    restrictToOwner(path);
  }
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
  migrate(db);
  const store = new SqliteStore(db, secrets, path);
  if (path !== ":memory:") {
    store.checkpointer = startCheckpointer(path, {
      intervalMs: CHECKPOINT_INTERVAL_MS,
      journalSizeLimit: JOURNAL_SIZE_LIMIT,
      truncateAboveBytes: 4 * JOURNAL_SIZE_LIMIT,
      onReady: () => db.pragma("wal_autocheckpoint = 0"),
      onFailure: () => {
        if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
      },
    });
  }
  return store;
}

const CHECKPOINT_INTERVAL_MS = 1000;
/** Staged rows read per expansion; each holds one request (up to 2,500 events). */
const STAGED_ROWS_PER_EXPANSION = 64;
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** After a checkpoint the WAL restarts from its head; this caps the file size it keeps from a burst. */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * The database holds every installation's events: the file is created (or narrowed) to mode 0600 before SQLite
 * opens it, and SQLite gives its -wal and -shm files the mode of the database file.
 */
function restrictToOwner(path: string): void {
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

function migrate(db: Database.Database): void {
  db.exec(SQL.createMigrationsTable);
  const applied = new Set((db.prepare(SQL.appliedMigrations).all() as Array<{ version: number }>).map((r) => r.version));
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(renderMigration(migration.sql, SQLITE_DIALECT));
      db.prepare(SQL.recordMigration).run(migration.version, migration.name, Date.now());
    })();
  }
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** Rolls back a plan whose events another store planned first. */
class PlannedElsewhere extends Error {}

interface QueuedAttempt {
  write(): void;
  row: ClaimedOutbound;
  resolve(): void;
  reject(error: unknown): void;
}

/** The log's reads come from createLogReader (merged into the class in the constructor). */
export interface SqliteStore extends LogQueries {}

export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  checkpointer: Checkpointer | null = null;
  readonly retryJobs: RetryJobStore;
  readonly alertState: AlertStateStore;
  private readonly readerThread: SqliteReader | null;
  private readonly changes = createListeners<ChangeNotice>();
  private readonly work = createListeners<void>();
  private attemptQueue: QueuedAttempt[] = [];
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly secrets: SecretBox,
    private readonly path: string,
  ) {
    this.retryJobs = createRetryJobStore(sqliteRunner(db));
    this.alertState = createAlertStateStore(sqliteRunner(db));
    // An in-memory database has no file a second connection could open: it reads on the event loop.
    this.readerThread = path === ":memory:" ? null : startSqliteReader(path);
    Object.assign(this, createLogReader(this.readerThread ?? sqliteRunner(db)));
    const p = (sql: string) => db.prepare(sql);
    this.statements = {
      getInstallation: p(SQL.getInstallation),
      byWriteKey: p(SQL.byWriteKey),
      upsertInstallation: p(SQL.upsertInstallation),
      clearWriteKey: p(SQL.clearWriteKey),
      deleteInstallation: SQL.deleteInstallation.map(p),
      stage: p(SQL.stage),
      selectStaged: p("SELECT id, installation_uid, received_at, event_count, events FROM inbound_staged ORDER BY id LIMIT ?"),
      deleteStaged: p("DELETE FROM inbound_staged WHERE id = ?"),
      oldestStaged: p(SQL.oldestStaged),
      stagedEvents: p(SQL.stagedEvents),
      oldestQueued: p(SQL.oldestQueued),
      unplannedUpTo: p(SQL.unplannedUpTo),
      markSeen: p("INSERT INTO seen_messages (installation_uid, message_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
      insertRow: p(SQL.insertRow),
      addInstallationKey: p(ADD_INSTALLATION_KEY),
      backlog: p(SQL.backlog),
      installationBacklog: p(SQL.installationBacklog),
      selectQueued: p(SQL.selectQueued),
      selectClock: p("SELECT attribute_clock FROM user_state WHERE installation_uid = ? AND user_id = ?"),
      upsertClock: p(`INSERT INTO user_state (installation_uid, user_id, attribute_clock) VALUES (?, ?, ?)
          ON CONFLICT (installation_uid, user_id) DO UPDATE SET attribute_clock = excluded.attribute_clock`),
      planInboundRow: p(`UPDATE sync_log SET status = ?, user_id = COALESCE(?, user_id), error = ?, payload = ?, detail = ?,
          open_requests = ?, updated_at = ? WHERE id = ? AND status = 'queued'`),
      laneOpen: p(SQL.laneOpen),
      nextDue: p(SQL.nextDue),
      enqueue: p(SQL.enqueue),
      dueRows: p(`SELECT * FROM deliveries WHERE due_at IS NOT NULL AND lease_until IS NULL AND due_at <= ?
          ORDER BY due_at LIMIT ?`),
      expiredLeases: p("SELECT * FROM deliveries WHERE lease_until IS NOT NULL AND lease_until < ? ORDER BY lease_until LIMIT ?"),
      lease: p("UPDATE deliveries SET lease_until = ? WHERE log_id = ?"),
      insertAttempt: p(SQL.insertAttempt),
      finishOutbound: p(SQL.finishOutbound),
      awaitRetry: p(SQL.awaitRetry),
      dequeue: p(SQL.dequeue),
      settleInbound: p(SQL.settleInbound),
      inboundAwaitsRetry: p(SQL.inboundAwaitsRetry),
      promoteLane: p(SQL.promoteLane),
      releaseRow: p(SQL.releaseRow),
      retryNow: p(SQL.retryNow),
      retryable: p(SQL.retryable),
      requeue: p(SQL.requeue),
      reopenInbound: p(SQL.reopenInbound),
      attempts: p(SQL.attempts),
      rowCount: p(SQL.rowCount),
      oldestRow: p(SQL.oldestRow),
    };
  }

  async health(): Promise<StoreHealth> {
    try {
      this.db.prepare("SELECT 1").get();
      return { ok: true, kind: "sqlite", detail: `${this.path} (WAL)` };
    } catch (error) {
      return { ok: false, kind: "sqlite", detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.readerThread?.close();
    await this.checkpointer?.stop();
    this.checkpointer = null;
    if (this.db.open) this.db.close();
  }

  async getInstallation(uid: string): Promise<Installation | null> {
    const row = this.statements.getInstallation.get(uid) as Row | undefined;
    return row ? decodeInstallation(row, this.secrets) : null;
  }

  async findInstallationByWriteKeyHash(hash: string): Promise<Installation | null> {
    const row = this.statements.byWriteKey.get(hash) as Row | undefined;
    return row ? decodeInstallation(row, this.secrets) : null;
  }

  async saveInstallation(installation: Installation, writeKeyHash: string | null): Promise<void> {
    this.db.transaction(() => {
      if (writeKeyHash) this.statements.clearWriteKey.run(writeKeyHash, installation.uid);
      const encoded = encodeInstallation(installation, writeKeyHash, this.secrets);
      this.statements.upsertInstallation.run(INSTALLATION_COLUMNS.map((column) => encoded[column]));
    })();
  }

  async deleteInstallation(uid: string): Promise<void> {
    this.db.transaction(() => {
      for (const statement of this.statements.deleteInstallation) statement.run(uid);
    })();
  }

  async forgetUser(installationUid: string, userId: string): Promise<ForgetUserResult> {
    return this.db.transaction(() => {
      const open = Number((this.db.prepare(FORGET_USER_SQL.countOpen).get(installationUid, userId) as { n: number }).n);
      this.db.prepare(FORGET_USER_SQL.deleteAttempts).run(installationUid, installationUid, userId);
      const removed = this.db.prepare(FORGET_USER_SQL.deleteRows).run(installationUid, userId).changes;
      this.db.prepare(FORGET_USER_SQL.deleteClock).run(installationUid, userId);
      return { removed, open };
    })();
  }

  async stageInbound(installationUid: string, events: InboundEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    this.statements.stage.run(installationUid, now, events.length, JSON.stringify(events));
    this.work.emit();
  }

  async expandStaged(maxEvents: number): Promise<number> {
    const changed = new Map<string, number[]>();
    const expanded = this.db.transaction(() => {
      let events = 0;
      for (const row of this.statements.selectStaged.all(STAGED_ROWS_PER_EXPANSION) as Row[]) {
        if (events > 0 && events + Number(row.event_count) > maxEvents) break;
        const installationUid = String(row.installation_uid);
        const ids = changed.get(installationUid) ?? [];
        this.insertAccepted(installationUid, JSON.parse(String(row.events)) as InboundEvent[], Number(row.received_at), ids);
        changed.set(installationUid, ids);
        this.statements.deleteStaged.run(row.id);
        events += Number(row.event_count);
      }
      return events;
    })();
    for (const [installationUid, ids] of changed) this.emit(installationUid, ids);
    return expanded;
  }

  async acceptInbound(installationUid: string, events: InboundEvent[], now: number) {
    const ids: number[] = [];
    const duplicates = this.db.transaction(() => this.insertAccepted(installationUid, events, now, ids))();
    this.emit(installationUid, ids);
    return { accepted: events.length - duplicates, duplicates };
  }

  /** Inserts accepted events as queued rows (pushing their ids to `ids`); returns how many were duplicates. */
  private insertAccepted(installationUid: string, events: InboundEvent[], now: number, ids: number[]): number {
    let duplicates = 0;
    this.statements.addInstallationKey.run(installationUid);
    for (const event of events) {
      const fresh = event.messageId === null || this.statements.markSeen.run(installationUid, event.messageId, now).changes === 1;
      if (!fresh) duplicates += 1;
      const info = this.statements.insertRow.run(
        installationUid, now, now, "inbound", fresh ? "queued" : "deduplicated", event.userId, event.messageId,
        event.eventType, event.eventName, null, null, fresh ? null : "messageId already received",
        fresh ? encodeJsonPlain(event.payload) : encodeJson(event.payload),
        encodeJson(event.detail), installationUid,
      );
      ids.push(Number(info.lastInsertRowid));
    }
    return duplicates;
  }

  async stagedEvents(installationUid: string): Promise<number> {
    return (this.statements.stagedEvents.get(installationUid) as { n: number }).n;
  }

  async oldestUnplanned(): Promise<number | null> {
    const staged = (this.statements.oldestStaged.get() as { at: number | null }).at;
    const queued = (this.statements.oldestQueued.get() as { at: number } | undefined)?.at ?? null;
    return staged === null ? queued : queued === null ? staged : Math.min(staged, queued);
  }

  async unplannedAtLeast(count: number): Promise<boolean> {
    return Number((this.statements.unplannedUpTo.get(count) as { n: number }).n) >= count;
  }

  async appendFinal(installationUid: string, entries: FinalLogEntry[], now: number): Promise<number[]> {
    const ids: number[] = [];
    this.db.transaction(() => {
      this.statements.addInstallationKey.run(installationUid);
      for (const e of entries) {
        const info = this.statements.insertRow.run(
          installationUid, now, now, e.direction, e.status, e.userId ?? null, e.messageId ?? null, e.eventType ?? null,
          e.eventName ?? null, e.httpStatus ?? null, null, e.error ?? null, encodeJson(e.payload), encodeJson(e.detail ?? {}),
          installationUid,
        );
        ids.push(Number(info.lastInsertRowid));
      }
    })();
    this.emit(installationUid, ids);
    return ids;
  }

  async unsettledBacklog(installationUid?: string): Promise<number> {
    const row = installationUid === undefined
      ? this.statements.backlog.get()
      : this.statements.installationBacklog.get(installationUid, installationUid);
    return (row as { n: number }).n;
  }

  async claimSecrets(installationUid: string, secretHashes: string[]): Promise<string | null> {
    return this.db.transaction(() => {
      if (secretHashes.length) {
        const taken = this.db.prepare(TENANT_SQL.claimedByOthers(secretHashes.length)).get(installationUid, ...secretHashes) as Row | undefined;
        if (taken) return String(taken.secret_hash);
      }
      this.db.prepare(TENANT_SQL.releaseClaims).run(installationUid);
      const claim = this.db.prepare(TENANT_SQL.claim);
      for (const hash of new Set(secretHashes)) claim.run(hash, installationUid);
      return null;
    }).immediate();
  }

  async advanceLifecycle(installationUid: string, entry: LifecycleRecord): Promise<boolean> {
    const { changes } = this.db
      .prepare(TENANT_SQL.advanceLifecycle)
      .run(installationUid, entry.triggeredAt, entry.bodyDigest, entry.event, entry.uninstalledAt);
    return changes > 0;
  }

  async lifecycleRecord(installationUid: string): Promise<LifecycleRecord | null> {
    return lifecycleRecordOf(this.db.prepare(TENANT_SQL.lifecycleRecord).get(installationUid) as Row | undefined);
  }

  async restoreLifecycle(installationUid: string, applied: LifecycleRecord, previous: LifecycleRecord | null): Promise<void> {
    if (previous) {
      this.db
        .prepare(TENANT_SQL.restoreLifecycle)
        .run(previous.triggeredAt, previous.bodyDigest, previous.event, previous.uninstalledAt, installationUid, applied.bodyDigest);
    } else this.db.prepare(TENANT_SQL.forgetLifecycle).run(installationUid, applied.bodyDigest);
  }

  async countRefusals(counts: ReadonlyMap<string, number>, now: number): Promise<void> {
    const add = this.db.prepare(TENANT_SQL.countRefusals);
    this.db.transaction(() => {
      for (const [uid, count] of counts) add.run(uid, count, now);
    })();
  }

  async unauthenticatedRefusals(installationUid: string): Promise<number> {
    const row = this.db.prepare(TENANT_SQL.refusals).get(installationUid) as Row | undefined;
    return row ? Number(row.unauthenticated) : 0;
  }

  async nextPlanningBatch(limit: number): Promise<PlanningBatch | null> {
    const rows = this.statements.selectQueued.all(limit) as Row[];
    if (rows.length === 0) return null;
    const events = rows.map(decodeQueued);
    const installations = new Map<string, Installation | null>();
    for (const uid of new Set(events.map((event) => event.installationUid))) {
      const row = this.statements.getInstallation.get(uid) as Row | undefined;
      installations.set(uid, row ? decodeInstallation(row, this.secrets) : null);
    }
    const clocks = new Map<string, Record<string, string>>();
    return {
      events,
      installation: (uid) => installations.get(uid) ?? null,
      readClocks: async (users) => {
        for (const [installationUid, userId] of users) {
          const row = this.statements.selectClock.get(installationUid, userId) as Row | undefined;
          clocks.set(userKey(installationUid, userId), row ? (JSON.parse(String(row.attribute_clock)) as Record<string, string>) : {});
        }
      },
      attributeClock: (installationUid, userId) => clocks.get(userKey(installationUid, userId)),
      commit: async (plan, now) => this.commitPlan(events, storedPayloads(rows), plan, now),
      release: async () => {},
    };
  }

  /**
   * Commits the plan a part at a time (splitPlan: each user whole), one transaction per part with the event loop
   * turning between parts: a part is the longest the store holds ingest back. A part any of whose events another
   * store planned since they were read is rolled back and not counted.
   */
  private async commitPlan(events: QueuedInbound[], payloads: ReadonlyMap<number, unknown>, plan: PlanResult, now: number): Promise<number> {
    let planned = 0;
    for (const [index, part] of splitPlan(events, plan, PLAN_PART_EVENTS).entries()) {
      if (index > 0) await nextTurn();
      planned += this.commitPlanPart(part.events, payloads, part.plan, now);
    }
    return planned;
  }

  private commitPlanPart(events: QueuedInbound[], payloads: ReadonlyMap<number, unknown>, plan: PlanResult, now: number): number {
    let changed = new Map<string, number[]>();
    try {
      this.db.transaction(() => {
        const rows = planRows(events, plan, plan.outbound.map((out) => this.insertOutbound(out, now)), payloads);
        for (const row of rows.inbound) {
          const { changes } = this.statements.planInboundRow.run(
            row.status, row.userId, row.error, row.payload, row.detail, row.openRequests, now, row.id,
          );
          if (changes === 0) throw new PlannedElsewhere();
        }
        for (const state of rows.clocks) this.statements.upsertClock.run(state.installationUid, state.userId, state.clock);
        changed = rows.changed;
      })();
    } catch (error) {
      if (error instanceof PlannedElsewhere) return 0;
      throw error;
    }
    for (const [installationUid, ids] of changed) this.emit(installationUid, ids);
    return events.length;
  }

  async enqueueOutbound(plans: OutboundPlan[], now: number): Promise<number[]> {
    const ids = this.db.transaction(() => plans.map((out) => this.insertOutbound(out, now)))();
    plans.forEach((out, index) => this.emit(out.installationUid, [ids[index]]));
    return ids;
  }

  /** Logs the request and queues it; a lane's first request becomes its head (due now) unless the lane has open ones. */
  private insertOutbound(out: OutboundPlan, now: number): number {
    const laneOpen = this.statements.laneOpen.get(out.installationUid, out.direction, out.userId) !== undefined;
    const request = json(out.request);
    this.statements.addInstallationKey.run(out.installationUid);
    const info = this.statements.insertRow.run(
      out.installationUid, now, now, out.direction, "pending", out.userId, out.messageId, out.eventType, out.eventName,
      null, null, null, encodeJson(out.request), encodeJson({ ...out.detail, eventIds: out.eventIds }), out.installationUid,
    );
    const id = Number(info.lastInsertRowid);
    this.statements.enqueue.run(
      id, out.installationUid, out.direction, out.userId, now, 0, laneOpen ? null : now, request, json(out.eventIds),
    );
    return id;
  }

  async claimOutbound(limit: number, now: number, leaseMs: number, excludeInstallations: string[]): Promise<ClaimedOutbound[]> {
    const excluded = new Set(excludeInstallations);
    const claimed = this.db.transaction(() => {
      const candidates = [
        ...(this.statements.expiredLeases.all(now, limit) as Row[]).map((row) => decodeClaimed(row, true)),
        ...(this.statements.dueRows.all(now, limit + excluded.size * 8) as Row[]).map((row) => decodeClaimed(row, false)),
      ];
      const out: ClaimedOutbound[] = [];
      for (const row of candidates) {
        if (out.length >= limit) break;
        if (excluded.has(row.installationUid)) continue;
        this.statements.lease.run(now + leaseMs, row.id);
        out.push(row);
      }
      return out;
    })();
    return claimed;
  }

  /**
   * Attempts recorded in the same event-loop turn are committed in one transaction: a COMMIT costs far more than
   * the handful of statements of one attempt. Resolves once the attempt is committed, as before.
   */
  recordAttempt(row: ClaimedOutbound, outcome: AttemptOutcome, startedAt: number, trigger: "scheduled" | "manual"): Promise<void> {
    return new Promise((resolve, reject) => {
      this.attemptQueue.push({ write: () => this.writeAttempt(row, outcome, startedAt, trigger), row, resolve, reject });
      if (this.attemptQueue.length === 1) setImmediate(() => this.commitAttempts());
    });
  }

  private commitAttempts(): void {
    const batch = this.attemptQueue;
    this.attemptQueue = [];
    const settle = (attempt: QueuedAttempt, write: () => void) => {
      try {
        write();
      } catch (error) {
        attempt.reject(error);
        return;
      }
      this.emit(attempt.row.installationUid, [attempt.row.id, ...attempt.row.eventIds]);
      attempt.resolve();
    };
    try {
      this.db.transaction(() => {
        for (const attempt of batch) attempt.write();
      })();
    } catch {
      // Rolled back: retry each attempt alone, so that one that cannot be written does not fail the others.
      for (const attempt of batch) settle(attempt, () => this.db.transaction(attempt.write)());
      return;
    }
    for (const attempt of batch) settle(attempt, () => {});
  }

  private writeAttempt(row: ClaimedOutbound, outcome: AttemptOutcome, startedAt: number, trigger: "scheduled" | "manual"): void {
    const now = startedAt + outcome.latencyMs;
    const attempt = row.attempt + 1;
    const error = outcome.status === "delivered" ? null : outcome.error;
    this.statements.insertAttempt.run(
      row.id, row.installationUid, attempt, startedAt, outcome.latencyMs, outcome.httpStatus, outcome.responseBody, error, trigger,
      row.resent ? 1 : 0,
    );
    this.statements.finishOutbound.run(outcome.status, outcome.httpStatus, outcome.latencyMs, attempt, error, now, row.id);
    if (outcome.status === "pending_retry") {
      this.statements.awaitRetry.run(attempt, outcome.nextAttemptAt, row.id);
      for (const id of row.eventIds) this.statements.inboundAwaitsRetry.run(now, id, row.installationUid);
    } else {
      this.statements.dequeue.run(row.id);
      for (const id of row.eventIds) {
        this.statements.settleInbound.run(now, outcome.status, outcome.status, outcome.status, error, id, row.installationUid);
      }
      this.statements.promoteLane.run(now, row.installationUid, row.direction, row.userId, row.installationUid, row.direction, row.userId);
    }
  }

  async releaseOutbound(ids: number[], now: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.statements.releaseRow.run(now, id);
    })();
  }

  async retryOutbound(installationUid: string, ids: number[], now: number): Promise<number[]> {
    const requeued: number[] = [];
    const touched: number[] = [];
    this.db.transaction(() => {
      for (const id of ids) {
        const row = this.statements.retryable.get(installationUid, id) as Row | undefined;
        if (!row) continue;
        this.statements.requeue.run(now, id);
        const eventIds = ((decodeJson(row.detail) ?? {}) as { eventIds?: number[] }).eventIds ?? [];
        this.statements.enqueue.run(
          id, installationUid, row.direction, row.user_id, row.created_at, row.attempt, now, decodeJsonText(row.payload),
          json(eventIds),
        );
        for (const eventId of eventIds) this.statements.reopenInbound.run(now, eventId, installationUid);
        requeued.push(id);
        touched.push(id, ...eventIds);
      }
    })();
    this.emit(installationUid, touched);
    return requeued;
  }

  async retryNow(installationUid: string, ids: number[], now: number): Promise<number[]> {
    const due = this.db.transaction(() => ids.filter((id) => this.statements.retryNow.run(now, installationUid, id).changes > 0))();
    this.emit(installationUid, due);
    if (due.length) this.work.emit();
    return due;
  }

  prune(now: number): Promise<number> {
    return pruneLog(sqliteRunner(this.db), now);
  }

  onChange(listener: (notice: ChangeNotice) => void): () => void {
    return this.changes.add(listener);
  }

  onWork(listener: () => void): () => void {
    return this.work.add(listener);
  }

  async nextDueAt(): Promise<number | null> {
    return decodeNextDue(this.statements.nextDue.get() as Row | undefined);
  }

  private emit(installationUid: string, ids: number[]): void {
    if (ids.length === 0) return;
    this.changes.emit({ installationUid, ids });
    this.work.emit();
  }
}
