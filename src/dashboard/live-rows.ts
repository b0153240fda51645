/**
 * Merging the live stream into the loaded pages. The stream reports changed rows and which of them match the
 * page's filter. A row already shown is updated in place even when it stops matching (a failed row that turns
 * delivered stays in view, now delivered); a row not shown is added only when it matches and falls inside the
 * loaded range (older ones come with pagination). Versions are compared by `updatedAt`, so a late event never
 * overwrites a newer one.
 */
import type { LogItem } from "../../server/sync-log/log-view";

export interface StreamRows {
  items: LogItem[];
  matching: number[];
}

export interface LiveRows {
  byId: ReadonlyMap<number, LogItem>;
  matching: ReadonlySet<number>;
}

export const NO_LIVE_ROWS: LiveRows = { byId: new Map(), matching: new Set() };

/** Live rows kept at most; the oldest go first (they are the least likely to be on screen). */
const MAX_LIVE_ROWS = 5000;

const newer = (current: LogItem | undefined, candidate: LogItem) => !current || candidate.updatedAt >= current.updatedAt;

export function applyStreamRows(live: LiveRows, batches: readonly StreamRows[]): LiveRows {
  const byId = new Map(live.byId);
  const matching = new Set(live.matching);
  for (const batch of batches) {
    for (const item of batch.items) if (newer(byId.get(item.id), item)) byId.set(item.id, item);
    for (const id of batch.matching) matching.add(id);
  }
  if (byId.size > MAX_LIVE_ROWS) {
    const oldest = [...byId.keys()].sort((a, b) => a - b).slice(0, byId.size - MAX_LIVE_ROWS);
    for (const id of oldest) {
      byId.delete(id);
      matching.delete(id);
    }
  }
  return { byId, matching };
}

/** Loaded rows (newest first) with live updates applied and new matching rows added, newest first. */
export function mergeLiveRows(loaded: readonly LogItem[], live: LiveRows, hasOlderPages: boolean): LogItem[] {
  const oldestLoaded = loaded.length ? loaded[loaded.length - 1].id : Number.POSITIVE_INFINITY;
  const shown = new Set(loaded.map((row) => row.id));
  const rows = loaded.map((row) => {
    const update = live.byId.get(row.id);
    return update && newer(row, update) ? update : row;
  });
  for (const id of live.matching) {
    const row = live.byId.get(id);
    if (row && !shown.has(id) && (!hasOlderPages || id > oldestLoaded)) rows.push(row);
  }
  return rows.sort((a, b) => b.id - a.id);
}

/** How many rows of `next` sit above the row that was first on screen in `previous`. */
export function rowsInsertedAbove(previous: readonly LogItem[], next: readonly LogItem[], firstVisibleIndex: number): number {
  const anchor = previous[firstVisibleIndex];
  if (!anchor) return 0;
  const index = next.findIndex((row) => row.id === anchor.id);
  return index === -1 ? 0 : index - firstVisibleIndex;
}
