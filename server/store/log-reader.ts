/**
 * The sync log's reads (filtered search, rows by id, attempts, summary aggregates, error groups, extent), written
 * once over a SqlRunner for both stores. On SQLite the runner is a reader thread with its own WAL connection
 * (sqlite-reader.ts), so that a summary over a large log never holds up ingest, delivery or /healthz.
 */
import {
  bucketCountsSql,
  countsSql,
  decodeBucketCounts,
  decodeBucketP95,
  decodeCounts,
  decodeErrorGroups,
  decodeP95,
  DELIVERY_TIME,
  errorGroupsSql,
  p95Sql,
  REQUEST_LATENCY,
  type SqlQuery,
} from "./log-aggregates.ts";
import { decodeAttempt, decodeLogRow, logQuerySql } from "./rows.ts";
import type { SqlRunner } from "./sql-runner.ts";
import { logRowsSql, SQL } from "./statements.ts";
import type { LogReader } from "./types.ts";

/** The log's queries; change notices come from the store itself. */
export type LogQueries = Omit<LogReader, "onChange">;

const QUESTION_MARK = () => "?";

export function createLogReader(sql: SqlRunner): LogQueries {
  const all = (query: SqlQuery) => sql.all(query.sql, query.params);
  return {
    async queryLog(query) {
      const { sql: text, params } = logQuerySql(query, QUESTION_MARK);
      return (await sql.all(text, params)).map(decodeLogRow);
    },
    async getLogRows(installationUid, ids) {
      if (ids.length === 0) return [];
      return (await sql.all(logRowsSql(ids), [installationUid, ...ids])).map(decodeLogRow);
    },
    async getAttempts(installationUid, logId) {
      return (await sql.all(SQL.attempts, [installationUid, logId])).map(decodeAttempt);
    },
    async aggregateLog(window, bucketMs) {
      const [counts, buckets, latency, latencyByBucket, delivery] = await Promise.all([
        all(countsSql(window, QUESTION_MARK)),
        all(bucketCountsSql(window, bucketMs, QUESTION_MARK)),
        all(p95Sql(window, REQUEST_LATENCY.value, REQUEST_LATENCY.condition, QUESTION_MARK)),
        all(p95Sql(window, REQUEST_LATENCY.value, REQUEST_LATENCY.condition, QUESTION_MARK, bucketMs)),
        all(p95Sql(window, DELIVERY_TIME.value, DELIVERY_TIME.condition, QUESTION_MARK)),
      ]);
      return {
        counts: decodeCounts(counts),
        buckets: decodeBucketCounts(buckets, window, bucketMs),
        requestLatencyP95: decodeP95(latency[0]),
        requestLatencyP95ByBucket: decodeBucketP95(latencyByBucket, window, bucketMs),
        deliveryP95: decodeP95(delivery[0]),
      };
    },
    async groupErrors(window, statuses, limit, samples) {
      if (statuses.length === 0) return [];
      return decodeErrorGroups(await all(errorGroupsSql(window, statuses, samples, QUESTION_MARK)), limit);
    },
    async logExtent(installationUid) {
      const [[count], [oldest]] = await Promise.all([sql.all(SQL.rowCount, [installationUid]), sql.all(SQL.oldestRow, [installationUid])]);
      return { rows: Number(count.n), oldestAt: oldest ? Number(oldest.created_at) : null };
    },
  };
}
