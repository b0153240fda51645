/**
 * SQL for the sync-log summary (counts, time buckets, p95 latencies, error groups) and retention extent, shared by
 * the SQLite and PostgreSQL stores. Plain SQL with window functions (SQLite ≥ 3.25, PostgreSQL); `placeholder(n)`
 * renders the n-th parameter. Bound numbers may arrive as REAL in SQLite, so bucket indexes are cast explicitly.
 */
import type { Direction, ErrorGroup, LogAggregates, LogStatus, LogWindow } from "./types.ts";
import { logFilterConditions, logOfInstallation, type Row } from "./rows.ts";

type Placeholder = (index: number) => string;

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/** Collects parameters in order and renders their placeholders. */
class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly placeholder: Placeholder) {}

  add(value: unknown): string {
    this.values.push(value);
    return this.placeholder(this.values.length);
  }

  list(values: readonly unknown[]): string {
    return values.map((value) => this.add(value)).join(", ");
  }

  window(window: LogWindow): string {
    const conditions = [
      `${logOfInstallation(this.add(window.installationUid))} AND created_at >= ${this.add(window.from)} AND created_at < ${this.add(window.to)}`,
      ...(window.filter ? logFilterConditions(window.filter, (value) => this.add(value)) : []),
    ];
    return conditions.join(" AND ");
  }

  bucket(window: LogWindow, bucketMs: number): string {
    return `CAST((created_at - ${this.add(window.from)}) / ${this.add(bucketMs)} AS INTEGER)`;
  }
}

export function countsSql(window: LogWindow, placeholder: Placeholder): SqlQuery {
  const p = new SqlParams(placeholder);
  const sql = `SELECT direction, status, count(*) AS n FROM sync_log WHERE ${p.window(window)} GROUP BY direction, status`;
  return { sql, params: p.values };
}

export function bucketCountsSql(window: LogWindow, bucketMs: number, placeholder: Placeholder): SqlQuery {
  const p = new SqlParams(placeholder);
  const bucket = p.bucket(window, bucketMs);
  const sql = `SELECT ${bucket} AS bucket, direction, status, count(*) AS n FROM sync_log WHERE ${p.window(window)}
    GROUP BY 1, 2, 3`;
  return { sql, params: p.values };
}

/**
 * Nearest-rank p95 of `value` over the rows `condition` selects, per bucket when `bucketMs` is given: the smallest
 * value whose cumulative share reaches 95 %.
 */
export function p95Sql(
  window: LogWindow,
  value: string,
  condition: string,
  placeholder: Placeholder,
  bucketMs?: number,
): SqlQuery {
  const p = new SqlParams(placeholder);
  const bucket = bucketMs === undefined ? null : p.bucket(window, bucketMs);
  const partition = bucketMs === undefined ? "" : `PARTITION BY ${p.bucket(window, bucketMs)} `;
  const where = `${p.window(window)} AND ${condition}`;
  const sql = `SELECT ${bucket ? "bucket, " : ""}MIN(value) AS p95 FROM (
      SELECT ${bucket ? `${bucket} AS bucket, ` : ""}${value} AS value, CUME_DIST() OVER (${partition}ORDER BY ${value}) AS share
      FROM sync_log WHERE ${where}
    ) ranked WHERE share >= 0.95${bucket ? " GROUP BY bucket" : ""}`;
  return { sql, params: p.values };
}

export const REQUEST_LATENCY = { value: "latency_ms", condition: "direction <> 'inbound' AND latency_ms IS NOT NULL" };
export const DELIVERY_TIME = { value: "(updated_at - created_at)", condition: "direction = 'inbound' AND status = 'delivered'" };

export function errorGroupsSql(
  window: LogWindow,
  statuses: readonly LogStatus[],
  samples: number,
  placeholder: Placeholder,
): SqlQuery {
  const p = new SqlParams(placeholder);
  const where = `${p.window(window)} AND status IN (${p.list(statuses)}) AND error IS NOT NULL`;
  const sql = `SELECT error, id, created_at, n FROM (
      SELECT error, id, created_at, ROW_NUMBER() OVER (PARTITION BY error ORDER BY id DESC) AS rank_in_group,
        COUNT(*) OVER (PARTITION BY error) AS n
      FROM sync_log WHERE ${where}
    ) ranked WHERE rank_in_group <= ${p.add(samples)} ORDER BY n DESC, error, id DESC`;
  return { sql, params: p.values };
}

export function decodeCounts(rows: Row[]): LogAggregates["counts"] {
  return rows.map((row) => ({
    direction: String(row.direction) as Direction,
    status: String(row.status) as LogStatus,
    count: Number(row.n),
  }));
}

export function decodeBucketCounts(rows: Row[], window: LogWindow, bucketMs: number): LogAggregates["buckets"] {
  return rows.map((row) => ({
    start: window.from + Number(row.bucket) * bucketMs,
    direction: String(row.direction) as Direction,
    status: String(row.status) as LogStatus,
    count: Number(row.n),
  }));
}

export function decodeBucketP95(rows: Row[], window: LogWindow, bucketMs: number): LogAggregates["requestLatencyP95ByBucket"] {
  return rows.map((row) => ({ start: window.from + Number(row.bucket) * bucketMs, p95: Number(row.p95) }));
}

export function decodeP95(row: Row | undefined): number | null {
  return row && row.p95 !== null && row.p95 !== undefined ? Number(row.p95) : null;
}

/** Rows arrive grouped, largest group first; keeps the first `limit` groups. */
export function decodeErrorGroups(rows: Row[], limit: number): ErrorGroup[] {
  const groups: ErrorGroup[] = [];
  for (const row of rows) {
    const error = String(row.error);
    let group = groups[groups.length - 1];
    if (group?.error !== error) {
      if (groups.length === limit) break;
      group = { error, count: Number(row.n), lastSeenAt: Number(row.created_at), sampleIds: [] };
      groups.push(group);
    }
    group.sampleIds.push(Number(row.id));
  }
  return groups;
}
