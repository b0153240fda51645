/**
 * Retention, written once for both stores: per installation, delete settled rows older than its `days` and
 * those beyond its newest `maxRows`, in batches of PRUNE_BATCH (one statement each, the event loop turning
 * between them) until none is left, so that one pass always brings every installation back within its limits
 * whatever arrived since the last one. Unsettled rows are never deleted. Expired de-duplication keys and
 * finished retry jobs go too.
 */
import { DEDUPLICATION_WINDOW_MS } from "./migrations.ts";
import type { SqlRunner } from "./sql-runner.ts";
import { PRUNE_BATCH, retentionOf, SQL } from "./statements.ts";

const DAY_MS = 86_400_000;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Runs `statement` until a batch deletes fewer than PRUNE_BATCH rows; returns how many it deleted. */
async function deleteInBatches(sql: SqlRunner, statement: string, params: unknown[]): Promise<number> {
  let removed = 0;
  for (;;) {
    const deleted = await sql.run(statement, params);
    removed += deleted;
    if (deleted < PRUNE_BATCH) return removed;
    await nextTurn();
  }
}

export async function pruneLog(sql: SqlRunner, now: number): Promise<number> {
  let removed = 0;
  for (const installation of await sql.all(SQL.installationsForPrune)) {
    const uid = String(installation.uid);
    const { days, maxRows } = retentionOf(String(installation.configuration));
    let removedHere = await deleteInBatches(sql, SQL.pruneOld, [uid, now - days * DAY_MS]);
    const [boundary] = await sql.all(SQL.capBoundary, [uid, maxRows]);
    if (boundary) removedHere += await deleteInBatches(sql, SQL.pruneOverCap, [uid, boundary.id]);
    if (removedHere > 0) await sql.run(SQL.pruneAttempts, [uid]);
    removed += removedHere;
    await nextTurn();
  }
  await sql.run(SQL.pruneSeen, [now - DEDUPLICATION_WINDOW_MS]);
  return removed;
}
