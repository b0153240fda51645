/**
 * A fingerprint of what bad input must never change: installations and their sealed configuration, every log row
 * except the audit rows a refusal or a replay writes (inbound `rejected` and `deduplicated`), delivery attempts,
 * de-duplication keys and per-user attribute clocks. Read straight from the SQLite file, read-only.
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";

export type StoredState = Record<string, { rows: number; digest: string }>;

const TABLES: Record<string, string> = {
  installations: "SELECT * FROM installations ORDER BY uid",
  sync_log: "SELECT * FROM sync_log WHERE NOT (direction = 'inbound' AND status IN ('rejected', 'deduplicated')) ORDER BY id",
  delivery_attempts: "SELECT * FROM delivery_attempts ORDER BY id",
  seen_messages: "SELECT * FROM seen_messages ORDER BY installation_uid, message_id",
  user_state: "SELECT * FROM user_state ORDER BY installation_uid, user_id",
};

export function snapshotStoredState(databasePath: string): StoredState {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return Object.fromEntries(
      Object.entries(TABLES).map(([table, sql]) => {
        const hash = createHash("sha256");
        let rows = 0;
        for (const row of db.prepare(sql).iterate()) {
          hash.update(JSON.stringify(row));
          rows += 1;
        }
        return [table, { rows, digest: hash.digest("hex") }];
      }),
    );
  } finally {
    db.close();
  }
}

/** The tables whose content differs, each with its row counts before → after. */
export function changedTables(before: StoredState, after: StoredState): string[] {
  return Object.keys(before)
    .filter((table) => before[table].digest !== after[table]?.digest)
    .map((table) => `${table} (${before[table].rows} → ${after[table]?.rows ?? 0} rows)`);
}
