/**
 * The statements both stores run as they are, written once with `?` placeholders; `toDollarParams` renders them
 * for PostgreSQL. Statements only one store runs (SQLite's row-at-a-time forms, PostgreSQL's multi-row and SKIP
 * LOCKED ones) live in that store; the fragments both forms share (settling an event, handing a lane on) are here.
 */
import { LOG_ROW_SELECT, logOfInstallation, PRUNABLE_STATUSES_SQL } from "./rows.ts";

/** Rewrites each `?` as `$1`, `$2`, … (the statements here hold no `?` inside string literals). */
export function toDollarParams(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** Gives an installation its log key before its first row is written; binds the uid. */
export const ADD_INSTALLATION_KEY = "INSERT INTO installation_keys (uid) VALUES (?) ON CONFLICT (uid) DO NOTHING";

/** The installations columns in the order `upsertInstallation` binds them. */
export const INSTALLATION_COLUMNS = [
  "uid",
  "stack_api_key",
  "organization_uid",
  "app_uid",
  "configuration",
  "server_configuration",
  "write_key_hash",
  "created_at",
  "updated_at",
] as const;

/** The sync_log columns an inserted row binds, in order (attempt and open_requests start at their default, 0). */
export const INSERT_ROW_COLUMNS = [
  "installation_uid",
  "created_at",
  "updated_at",
  "direction",
  "status",
  "user_id",
  "message_id",
  "event_type",
  "event_name",
  "http_status",
  "next_attempt_at",
  "error",
  "payload",
  "detail",
] as const;

/**
 * The assignments that settle an inbound event when one of its requests ends with `outcome` (each argument an SQL
 * expression): a failure sticks, and the event is delivered once its last open request is, which clears the error of
 * an earlier attempt.
 */
export function settleInboundSql(now: string, outcome: string, error: string): string {
  return `open_requests = open_requests - 1, updated_at = ${now},
    status = CASE WHEN status IN ('failed', 'dead_lettered') THEN status
                  WHEN ${outcome} <> 'delivered' THEN ${outcome}
                  WHEN open_requests - 1 <= 0 THEN 'delivered'
                  ELSE 'processing' END,
    error = CASE WHEN ${outcome} <> 'delivered' THEN ${error}
                 WHEN status NOT IN ('failed', 'dead_lettered') AND open_requests - 1 <= 0 THEN NULL
                 ELSE error END`;
}

/** The deliveries columns an enqueued request binds, in order. */
export const DELIVERY_COLUMNS = [
  "log_id",
  "installation_uid",
  "direction",
  "user_id",
  "created_at",
  "attempt",
  "due_at",
  "request",
  "event_ids",
] as const;

/**
 * The condition that picks the request taking over a lane (each argument an SQL expression): its oldest queued
 * request, unless the lane still has a head (only a head has a due time).
 */
export function laneSuccessorSql(installationUid: string, direction: string, userId: string): string {
  const lane = `installation_uid = ${installationUid} AND direction = ${direction} AND user_id = ${userId}`;
  return `log_id = (SELECT min(log_id) FROM deliveries WHERE ${lane} AND due_at IS NULL)
    AND NOT EXISTS (SELECT 1 FROM deliveries WHERE ${lane} AND due_at IS NOT NULL)`;
}

/** Rows retention deletes per statement. */
export const PRUNE_BATCH = 5000;

export const SQL = {
  createMigrationsTable:
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
  appliedMigrations: "SELECT version FROM schema_migrations",
  recordMigration: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
  getInstallation: "SELECT * FROM installations WHERE uid = ?",
  byWriteKey: "SELECT * FROM installations WHERE write_key_hash = ?",
  upsertInstallation: `INSERT INTO installations (${INSTALLATION_COLUMNS.join(", ")})
      VALUES (${INSTALLATION_COLUMNS.map(() => "?").join(", ")})
      ON CONFLICT (uid) DO UPDATE SET stack_api_key = excluded.stack_api_key, organization_uid = excluded.organization_uid,
        app_uid = excluded.app_uid, configuration = excluded.configuration,
        server_configuration = excluded.server_configuration, write_key_hash = excluded.write_key_hash,
        updated_at = excluded.updated_at`,
  clearWriteKey: "UPDATE installations SET write_key_hash = NULL WHERE write_key_hash = ? AND uid <> ?",
  /** Run in this order, each with the installation uid. */
  deleteInstallation: [
    "DELETE FROM inbound_staged WHERE installation_uid = ?",
    "DELETE FROM deliveries WHERE installation_uid = ?",
    `DELETE FROM sync_log WHERE ${logOfInstallation("?")}`,
    "DELETE FROM delivery_attempts WHERE installation_uid = ?",
    "DELETE FROM seen_messages WHERE installation_uid = ?",
    "DELETE FROM user_state WHERE installation_uid = ?",
    "DELETE FROM retry_jobs WHERE installation_uid = ?",
    "DELETE FROM secret_claims WHERE installation_uid = ?",
    "DELETE FROM ingest_refusals WHERE installation_uid = ?",
    "DELETE FROM installations WHERE uid = ?",
  ],
  /** Binds the INSERT_ROW_COLUMNS, then the installation uid again (for its key). */
  insertRow: `INSERT INTO sync_log (${INSERT_ROW_COLUMNS.join(", ")}, installation_key)
      VALUES (${INSERT_ROW_COLUMNS.map(() => "?").join(", ")}, (SELECT id FROM installation_keys WHERE uid = ?))`,
  /**
   * Accepted events not yet settled, staged ones included: while Personalize is slow they pile up as processing or
   * pending_retry.
   */
  backlog: `SELECT (SELECT count(*) FROM sync_log WHERE direction = 'inbound' AND status IN ('queued', 'processing', 'pending_retry'))
      + (SELECT coalesce(sum(event_count), 0) FROM inbound_staged) AS n`,
  /** The same for one installation (binds its uid twice); outbound rows are never `queued` or `processing`. */
  installationBacklog: `SELECT (SELECT count(*) FROM sync_log WHERE installation_uid = ? AND status IN ('queued', 'processing', 'pending_retry')
        AND direction = 'inbound')
      + (SELECT coalesce(sum(event_count), 0) FROM inbound_staged WHERE installation_uid = ?) AS n`,
  stage: "INSERT INTO inbound_staged (installation_uid, received_at, event_count, events) VALUES (?, ?, ?, ?)",
  oldestStaged: "SELECT min(received_at) AS at FROM inbound_staged",
  stagedEvents: "SELECT coalesce(sum(event_count), 0) AS n FROM inbound_staged WHERE installation_uid = ?",
  oldestQueued: "SELECT created_at AS at FROM sync_log WHERE status = 'queued' ORDER BY id LIMIT 1",
  /** Staged and queued events, counting queued ones only up to the bound given. */
  unplannedUpTo: `SELECT (SELECT coalesce(sum(event_count), 0) FROM inbound_staged)
      + (SELECT count(*) FROM (SELECT 1 FROM sync_log WHERE status = 'queued' LIMIT ?) AS queued) AS n`,
  selectQueued: "SELECT id, installation_uid, created_at, payload, detail FROM sync_log WHERE status = 'queued' ORDER BY id LIMIT ?",
  insertAttempt: `INSERT INTO delivery_attempts
      (log_id, installation_uid, attempt, started_at, latency_ms, http_status, response_body, error, trigger_type, resent)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  /** The log row of a request, written once per failed attempt and once when it settles. */
  finishOutbound: "UPDATE sync_log SET status = ?, http_status = ?, latency_ms = ?, attempt = ?, error = ?, updated_at = ? WHERE id = ?",
  enqueue: `INSERT INTO deliveries (${DELIVERY_COLUMNS.join(", ")}) VALUES (${DELIVERY_COLUMNS.map(() => "?").join(", ")})`,
  /** Binds: attempt, due time, id. */
  awaitRetry: "UPDATE deliveries SET attempt = ?, due_at = ?, lease_until = NULL WHERE log_id = ?",
  dequeue: "DELETE FROM deliveries WHERE log_id = ?",
  nextDue: `SELECT (SELECT min(due_at) FROM deliveries WHERE due_at IS NOT NULL AND lease_until IS NULL) AS due,
      (SELECT min(lease_until) FROM deliveries WHERE lease_until IS NOT NULL) AS lease`,
  laneOpen: "SELECT 1 FROM deliveries WHERE installation_uid = ? AND direction = ? AND user_id = ? LIMIT 1",
  /** Binds: now, the outcome three times, error, id, installation uid. */
  settleInbound: `UPDATE sync_log SET ${settleInboundSql("?", "?", "?")} WHERE id = ? AND installation_uid = ?`,
  inboundAwaitsRetry: `UPDATE sync_log SET status = 'pending_retry', updated_at = ?
      WHERE id = ? AND installation_uid = ? AND status = 'processing'`,
  /** Binds: now, then the lane (installation, direction, user) twice. */
  promoteLane: `UPDATE deliveries SET due_at = ? WHERE ${laneSuccessorSql("?", "?", "?")}`,
  releaseRow: "UPDATE deliveries SET due_at = ?, lease_until = NULL WHERE log_id = ? AND lease_until IS NOT NULL",
  retryable: `SELECT id, installation_uid, direction, user_id, created_at, attempt, payload, detail FROM sync_log
      WHERE installation_uid = ? AND id = ? AND direction <> 'inbound' AND status IN ('failed', 'dead_lettered')`,
  requeue: "UPDATE sync_log SET status = 'pending', updated_at = ? WHERE id = ?",
  /** Binds: now, installation uid, id. A request waiting for its scheduled retry becomes due now. */
  retryNow: `UPDATE deliveries SET due_at = ?
      WHERE installation_uid = ? AND log_id = ? AND due_at IS NOT NULL AND lease_until IS NULL
        AND EXISTS (SELECT 1 FROM sync_log WHERE sync_log.id = deliveries.log_id AND sync_log.status = 'pending_retry')`,
  reopenInbound: `UPDATE sync_log SET open_requests = open_requests + 1, status = 'processing', updated_at = ?
      WHERE id = ? AND installation_uid = ?`,
  attempts: "SELECT * FROM delivery_attempts WHERE installation_uid = ? AND log_id = ? ORDER BY attempt",
  rowCount: `SELECT count(*) AS n FROM sync_log WHERE ${logOfInstallation("?")}`,
  oldestRow: `SELECT created_at FROM sync_log WHERE ${logOfInstallation("?")} ORDER BY created_at LIMIT 1`,
  installationsForPrune: "SELECT uid, configuration FROM installations",
  pruneOld: `DELETE FROM sync_log WHERE id IN (SELECT id FROM sync_log WHERE ${logOfInstallation("?")} AND created_at < ?
      AND status IN ${PRUNABLE_STATUSES_SQL} LIMIT ${PRUNE_BATCH})`,
  capBoundary: `SELECT id FROM sync_log WHERE ${logOfInstallation("?")} ORDER BY id DESC LIMIT 1 OFFSET ?`,
  pruneOverCap: `DELETE FROM sync_log WHERE id IN (SELECT id FROM sync_log WHERE ${logOfInstallation("?")} AND id <= ?
      AND status IN ${PRUNABLE_STATUSES_SQL} LIMIT ${PRUNE_BATCH})`,
  pruneAttempts: `DELETE FROM delivery_attempts WHERE installation_uid = ?
      AND NOT EXISTS (SELECT 1 FROM sync_log WHERE sync_log.id = delivery_attempts.log_id)`,
  pruneSeen: "DELETE FROM seen_messages WHERE seen_at < ?",
} as const;


/** The rows of one installation with these ids, newest first. */
export function logRowsSql(ids: readonly number[]): string {
  return `${LOG_ROW_SELECT} WHERE sync_log.installation_uid = ? AND sync_log.id IN (${ids.map(() => "?").join(",")})
    ORDER BY sync_log.id DESC`;
}

/** Retention settings of an installation's stored configuration, with the defaults. */
export function retentionOf(configuration: string): { days: number; maxRows: number } {
  const { retention } = JSON.parse(configuration) as { retention?: { days?: number; maxRows?: number } };
  return { days: retention?.days ?? 14, maxRows: retention?.maxRows ?? 1_000_000 };
}
