/**
 * Reads how far delivery is behind straight from the SQLite file, read-only, once a second during load: events
 * not yet planned (staged or `queued`) and every accepted event not yet delivered (what ingest backpressure counts).
 */
import Database from "better-sqlite3";
import { SQL } from "../store/statements.ts";

export interface BacklogProbe {
  queued(): number;
  undelivered(): number;
  close(): void;
}

export function openBacklogProbe(databasePath: string): BacklogProbe {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  const queued = db.prepare(
    "SELECT (SELECT count(*) FROM sync_log WHERE status = 'queued') + (SELECT coalesce(sum(event_count), 0) FROM inbound_staged) AS n",
  );
  const undelivered = db.prepare(SQL.backlog);
  return {
    queued: () => (queued.get() as { n: number }).n,
    undelivered: () => (undelivered.get() as { n: number }).n,
    close: () => db.close(),
  };
}
