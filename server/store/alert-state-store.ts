/**
 * Alert state per installation, kept in the store so that a restart forgets no active condition and several API
 * processes share one view. Each transition is a compare-and-set: a condition starts for the one process whose
 * insert lands, and recovers for the one process whose delete removes the row; only that process sends the notice.
 * History keeps the newest HISTORY_LIMIT notices per installation. Written once for both databases.
 */
import type { SqlRunner } from "./sql-runner.ts";

export const ALERT_HISTORY_LIMIT = 50;

export interface ActiveAlert {
  condition: string;
  since: number;
  message: string;
}

export interface AlertHistoryEntry {
  at: number;
  condition: string;
  state: "firing" | "resolved";
  message: string;
  /** What happened to the webhook notice: "sent", "no webhook URL", or why it failed. */
  delivery: string;
}

export interface AlertStateStore {
  activeAlerts(installationUid: string): Promise<ActiveAlert[]>;
  /** Installations with at least one active condition (to watch again after a restart). */
  installationsWithActiveAlerts(): Promise<string[]>;
  /** Records the condition as active; true only for the caller that made it so (it sends the notice). */
  startAlert(installationUid: string, alert: ActiveAlert): Promise<boolean>;
  /** Keeps the active condition's sentence current while it holds. */
  updateAlertMessage(installationUid: string, condition: string, message: string): Promise<void>;
  /** Records the condition as recovered; true only for the caller that made it so (it sends the notice). */
  resolveAlert(installationUid: string, condition: string): Promise<boolean>;
  /** Appends a notice to the history and drops the installation's notices beyond the newest HISTORY_LIMIT. */
  recordAlertNotice(installationUid: string, entry: AlertHistoryEntry): Promise<void>;
  /** Newest first. */
  alertHistory(installationUid: string): Promise<AlertHistoryEntry[]>;
}

const ACTIVE = "SELECT condition, since, message FROM alert_active WHERE installation_uid = ? ORDER BY since, condition";
const WATCHED = "SELECT DISTINCT installation_uid FROM alert_active";
const START = "INSERT INTO alert_active (installation_uid, condition, since, message) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
const UPDATE = "UPDATE alert_active SET message = ? WHERE installation_uid = ? AND condition = ?";
const RESOLVE = "DELETE FROM alert_active WHERE installation_uid = ? AND condition = ?";
const RECORD = "INSERT INTO alert_history (installation_uid, at, condition, state, message, delivery) VALUES (?, ?, ?, ?, ?, ?)";
const TRIM = `DELETE FROM alert_history WHERE installation_uid = ? AND id NOT IN (
  SELECT id FROM alert_history WHERE installation_uid = ? ORDER BY id DESC LIMIT ${ALERT_HISTORY_LIMIT})`;
const HISTORY = `SELECT at, condition, state, message, delivery FROM alert_history WHERE installation_uid = ?
  ORDER BY id DESC LIMIT ${ALERT_HISTORY_LIMIT}`;

export function createAlertStateStore(sql: SqlRunner): AlertStateStore {
  return {
    async activeAlerts(installationUid) {
      const rows = await sql.all(ACTIVE, [installationUid]);
      return rows.map((row) => ({ condition: String(row.condition), since: Number(row.since), message: String(row.message) }));
    },
    async installationsWithActiveAlerts() {
      return (await sql.all(WATCHED)).map((row) => String(row.installation_uid));
    },
    async startAlert(installationUid, alert) {
      return (await sql.run(START, [installationUid, alert.condition, alert.since, alert.message])) === 1;
    },
    async updateAlertMessage(installationUid, condition, message) {
      await sql.run(UPDATE, [message, installationUid, condition]);
    },
    async resolveAlert(installationUid, condition) {
      return (await sql.run(RESOLVE, [installationUid, condition])) === 1;
    },
    async recordAlertNotice(installationUid, entry) {
      await sql.run(RECORD, [installationUid, entry.at, entry.condition, entry.state, entry.message, entry.delivery]);
      await sql.run(TRIM, [installationUid, installationUid]);
    },
    async alertHistory(installationUid) {
      const rows = await sql.all(HISTORY, [installationUid]);
      return rows.map((row) => ({
        at: Number(row.at),
        condition: String(row.condition),
        state: String(row.state) as AlertHistoryEntry["state"],
        message: String(row.message),
        delivery: String(row.delivery),
      }));
    },
  };
}
