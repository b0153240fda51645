/**
 * Reads how far delivery is behind straight from the SQLite file, read-only, once a second during load: events
 * still `queued` (what ingest backpressure counts today) and every inbound event not yet delivered.
 */
import Database from "better-sqlite3";

export interface BacklogProbe {
  queued(): number;
  undelivered(): number;
  close(): void;
}

export function openBacklogProbe(databasePath: string): BacklogProbe {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  const queued = db.prepare("SELECT count(*) AS n FROM sync_log WHERE status = 'queued'");
  const undelivered = db.prepare(
    "SELECT count(*) AS n FROM sync_log WHERE direction = 'inbound' AND status IN ('queued', 'processing', 'pending_retry')",
  );
  return {
    queued: () => (queued.get() as { n: number }).n,
    undelivered: () => (undelivered.get() as { n: number }).n,
    close: () => db.close(),
  };
}
