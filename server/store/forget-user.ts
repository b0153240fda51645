/**
 * A privacy request's statements, shared by both stores (`?` placeholders; PostgreSQL numbers them): the user's
 * settled log rows and their attempts, and the user's attribute clock. Rows still open (queued, planned, in
 * flight, awaiting a retry) stay until they settle, so that no accepted event is lost mid-delivery.
 */
import { logOfInstallation } from "./rows.ts";

const OPEN = "('queued', 'processing', 'pending', 'in_flight', 'pending_retry')";

export const FORGET_USER_SQL = {
  countOpen: `SELECT COUNT(*) AS n FROM sync_log WHERE ${logOfInstallation("?")} AND user_id = ? AND status IN ${OPEN}`,
  deleteAttempts: `DELETE FROM delivery_attempts WHERE installation_uid = ? AND log_id IN
    (SELECT id FROM sync_log WHERE ${logOfInstallation("?")} AND user_id = ? AND status NOT IN ${OPEN})`,
  deleteRows: `DELETE FROM sync_log WHERE ${logOfInstallation("?")} AND user_id = ? AND status NOT IN ${OPEN}`,
  deleteClock: "DELETE FROM user_state WHERE installation_uid = ? AND user_id = ?",
};

export function numbered(sql: string): string {
  let index = 0;
  return sql.replaceAll("?", () => `$${++index}`);
}

export interface ForgetUserResult {
  /** Log rows removed. */
  removed: number;
  /** The user's rows still being delivered, which stay until they settle. */
  open: number;
}
