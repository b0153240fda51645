/**
 * The statements both stores run as they are, written once with `?` placeholders; `toDollarParams` renders them
 * for PostgreSQL. Statements only one store runs (SQLite's row-at-a-time forms, PostgreSQL's multi-row and SKIP
 * LOCKED ones) live in that store; the fragments both forms share (settling an event, handing a lane on) are here.
 */
import { OPEN_STATUSES_SQL, PRUNABLE_STATUSES_SQL } from "./rows.ts";

/** Rewrites each `?` as `$1`, `$2`, … (the statements here hold no `?` inside string literals). */
export function toDollarParams(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

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

/**
 * The condition that picks the row taking over a lane (each argument an SQL expression): its oldest waiting row,
 * unless the lane still has a head. The redundant `status IN open` lets SQLite use the partial
 * sync_log_open_lane index; without it, it scans every row of the installation's direction.
 */
export function laneSuccessorSql(installationUid: string, direction: string, userId: string): string {
  const lane = `installation_uid = ${installationUid} AND direction = ${direction} AND user_id = ${userId}
    AND status IN ${OPEN_STATUSES_SQL}`;
  return `id = (SELECT min(id) FROM sync_log WHERE ${lane} AND status = 'pending' AND next_attempt_at IS NULL)
    AND NOT EXISTS (SELECT 1 FROM sync_log WHERE ${lane} AND next_attempt_at IS NOT NULL)`;
}

/**
 * A bound direction, hidden from SQLite's partial-index matching. A bare `direction = ?` is compared with the
 * `direction = 'inbound'` of a partial index's WHERE, and SQLite then re-prepares the statement whenever that
 * parameter is bound again: on every run, at about ten times the cost of the run itself (measured: 30 µs → 2.6 µs
 * for the lane lookup).
 */
export const BOUND_DIRECTION = "CAST(? AS TEXT)";

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
    "DELETE FROM sync_log WHERE installation_uid = ?",
    "DELETE FROM delivery_attempts WHERE installation_uid = ?",
    "DELETE FROM seen_messages WHERE installation_uid = ?",
    "DELETE FROM user_state WHERE installation_uid = ?",
    "DELETE FROM installations WHERE uid = ?",
  ],
  insertRow: `INSERT INTO sync_log (${INSERT_ROW_COLUMNS.join(", ")}) VALUES (${INSERT_ROW_COLUMNS.map(() => "?").join(", ")})`,
  /**
   * Accepted events not yet settled, staged ones included: while Personalize is slow they pile up as processing or
   * pending_retry.
   */
  backlog: `SELECT (SELECT count(*) FROM sync_log WHERE direction = 'inbound' AND status IN ('queued', 'processing', 'pending_retry'))
      + (SELECT coalesce(sum(event_count), 0) FROM inbound_staged) AS n`,
  stage: "INSERT INTO inbound_staged (installation_uid, received_at, event_count, events) VALUES (?, ?, ?, ?)",
  oldestStaged: "SELECT min(received_at) AS at FROM inbound_staged",
  stagedEvents: "SELECT coalesce(sum(event_count), 0) AS n FROM inbound_staged WHERE installation_uid = ?",
  oldestQueued: "SELECT created_at AS at FROM sync_log WHERE status = 'queued' ORDER BY id LIMIT 1",
  selectQueued: "SELECT id, installation_uid, created_at, payload, detail FROM sync_log WHERE status = 'queued' ORDER BY id LIMIT ?",
  insertAttempt: `INSERT INTO delivery_attempts
      (log_id, installation_uid, attempt, started_at, latency_ms, http_status, response_body, error, trigger_type)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  finishOutbound: `UPDATE sync_log SET status = ?, http_status = ?, latency_ms = ?, attempt = ?, next_attempt_at = ?,
      lease_until = NULL, error = ?, updated_at = ? WHERE id = ?`,
  /** Binds: now, the outcome three times, error, id, installation uid. */
  settleInbound: `UPDATE sync_log SET ${settleInboundSql("?", "?", "?")} WHERE id = ? AND installation_uid = ?`,
  inboundAwaitsRetry: `UPDATE sync_log SET status = 'pending_retry', updated_at = ?
      WHERE id = ? AND installation_uid = ? AND status = 'processing'`,
  /** Binds: now, now, then the lane (installation, direction, user) twice. */
  promoteLane: `UPDATE sync_log SET next_attempt_at = ?, updated_at = ? WHERE ${laneSuccessorSql("?", BOUND_DIRECTION, "?")}`,
  releaseRow: "UPDATE sync_log SET status = 'pending', next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'in_flight'",
  retryable: `SELECT id, detail FROM sync_log WHERE installation_uid = ? AND id = ? AND direction <> 'inbound'
      AND status IN ('failed', 'dead_lettered')`,
  requeue: "UPDATE sync_log SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE id = ?",
  /** Binds: now, now, installation uid, id. A request waiting for its retry becomes due now. */
  retryNow: `UPDATE sync_log SET next_attempt_at = ?, updated_at = ?
      WHERE installation_uid = ? AND id = ? AND direction <> 'inbound' AND status = 'pending_retry'`,
  reopenInbound: `UPDATE sync_log SET open_requests = open_requests + 1, status = 'processing', updated_at = ?
      WHERE id = ? AND installation_uid = ?`,
  attempts: "SELECT * FROM delivery_attempts WHERE installation_uid = ? AND log_id = ? ORDER BY attempt",
  rowCount: "SELECT count(*) AS n FROM sync_log WHERE installation_uid = ?",
  oldestRow: "SELECT created_at FROM sync_log WHERE installation_uid = ? ORDER BY created_at LIMIT 1",
  installationsForPrune: "SELECT uid, configuration FROM installations",
  pruneOld: `DELETE FROM sync_log WHERE id IN (SELECT id FROM sync_log WHERE installation_uid = ? AND created_at < ?
      AND status IN ${PRUNABLE_STATUSES_SQL} LIMIT 5000)`,
  capBoundary: "SELECT id FROM sync_log WHERE installation_uid = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
  pruneOverCap: `DELETE FROM sync_log WHERE id IN (SELECT id FROM sync_log WHERE installation_uid = ? AND id <= ?
      AND status IN ${PRUNABLE_STATUSES_SQL} LIMIT 5000)`,
  pruneAttempts: `DELETE FROM delivery_attempts WHERE installation_uid = ?
      AND NOT EXISTS (SELECT 1 FROM sync_log WHERE sync_log.id = delivery_attempts.log_id)`,
  pruneSeen: "DELETE FROM seen_messages WHERE seen_at < ?",
} as const;

export type StatementName = Exclude<keyof typeof SQL, "deleteInstallation">;

/** The rows of one installation with these ids, newest first. */
export function logRowsSql(ids: readonly number[]): string {
  return `SELECT * FROM sync_log WHERE installation_uid = ? AND id IN (${ids.map(() => "?").join(",")}) ORDER BY id DESC`;
}

/** Retention settings of an installation's stored configuration, with the defaults. */
export function retentionOf(configuration: string): { days: number; maxRows: number } {
  const { retention } = JSON.parse(configuration) as { retention?: { days?: number; maxRows?: number } };
  return { days: retention?.days ?? 14, maxRows: retention?.maxRows ?? 1_000_000 };
}
