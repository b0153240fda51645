/**
 * The summary of one period: the funnel of received events (received → rejected / deduplicated / filtered /
 * pending → delivered / failed / dead-lettered; events accepted a moment ago and not yet in the log count as received
 * and pending), the Personalize requests, throughput, success rate and p95
 * latency per time bucket (every bucket present, so charts have no holes), top errors and top filter reasons with
 * sample rows, and the latest error.
 */
import { z } from "zod";
import type { ErrorGroup, LogAggregates, LogStatus, Store } from "../store/types.ts";
import { parseParams, timeParam } from "./log-filter.ts";
import { toLogItem, type LogItem } from "./log-view.ts";

export interface SummaryBucket {
  start: number;
  received: number;
  delivered: number;
  failed: number;
  /** delivered / (delivered + failed) over events settled in the bucket; null when none settled. */
  successRate: number | null;
  p95LatencyMs: number | null;
}

export interface LogSummary {
  from: number;
  to: number;
  bucketMs: number;
  funnel: {
    received: number;
    rejected: number;
    deduplicated: number;
    filtered: number;
    pending: number;
    delivered: number;
    failed: number;
    deadLettered: number;
  };
  requests: { total: number; pending: number; delivered: number; failed: number; deadLettered: number };
  latency: { requestP95Ms: number | null; deliveryP95Ms: number | null };
  buckets: SummaryBucket[];
  topErrors: ErrorGroup[];
  filterReasons: ErrorGroup[];
  lastError: LogItem | null;
}

const DAY_MS = 86_400_000;
const BUCKET_SIZES_MS = [60_000, 300_000, 900_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, DAY_MS];
const MAX_BUCKETS = 60;
const ERROR_STATUSES: LogStatus[] = ["failed", "dead_lettered", "pending_retry", "rejected"];
const DISCARD_STATUSES: LogStatus[] = ["filtered", "deduplicated"];
const TOP_GROUPS = 10;
const SAMPLES = 3;

const summaryParamsSchema = z
  .object({ from: timeParam, to: timeParam })
  .refine((p) => p.from === undefined || p.to === undefined || p.from < p.to, { path: ["to"], message: "must be later than from" });

export function parseSummaryPeriod(query: unknown, now: number): { from: number; to: number } {
  const params = parseParams(summaryParamsSchema, query);
  const to = params.to ?? now;
  return { from: params.from ?? to - DAY_MS, to };
}

/** The smallest listed size that keeps the period within MAX_BUCKETS buckets, else whole days that do. */
export function bucketSizeFor(spanMs: number): number {
  return BUCKET_SIZES_MS.find((size) => spanMs / size <= MAX_BUCKETS) ?? Math.ceil(spanMs / MAX_BUCKETS / DAY_MS) * DAY_MS;
}

export async function summarizeLog(store: Store, installationUid: string, from: number, to: number): Promise<LogSummary> {
  const window = { installationUid, from, to };
  const bucketMs = bucketSizeFor(to - from);
  const [aggregates, staged, topErrors, filterReasons, [latest]] = await Promise.all([
    store.aggregateLog(window, bucketMs),
    store.stagedEvents(installationUid),
    store.groupErrors(window, ERROR_STATUSES, TOP_GROUPS, SAMPLES),
    store.groupErrors(window, DISCARD_STATUSES, TOP_GROUPS, SAMPLES),
    store.queryLog({ installationUid, statuses: ERROR_STATUSES, limit: 1 }),
  ]);
  return {
    from,
    to,
    bucketMs,
    ...funnelOf(aggregates.counts, staged),
    latency: { requestP95Ms: aggregates.requestLatencyP95, deliveryP95Ms: aggregates.deliveryP95 },
    buckets: bucketsOf(aggregates, from, to, bucketMs),
    topErrors,
    filterReasons,
    lastError: latest ? toLogItem(latest) : null,
  };
}

function funnelOf(counts: LogAggregates["counts"], staged: number): Pick<LogSummary, "funnel" | "requests"> {
  const count = (inbound: boolean, ...statuses: LogStatus[]) =>
    counts
      .filter((c) => (c.direction === "inbound") === inbound && (statuses.length === 0 || statuses.includes(c.status)))
      .reduce((sum, c) => sum + c.count, 0);
  return {
    funnel: {
      received: count(true) + staged,
      rejected: count(true, "rejected"),
      deduplicated: count(true, "deduplicated"),
      filtered: count(true, "filtered"),
      pending: count(true, "queued", "processing", "pending_retry") + staged,
      delivered: count(true, "delivered"),
      failed: count(true, "failed"),
      deadLettered: count(true, "dead_lettered"),
    },
    requests: {
      total: count(false),
      pending: count(false, "pending", "in_flight", "pending_retry"),
      delivered: count(false, "delivered"),
      failed: count(false, "failed"),
      deadLettered: count(false, "dead_lettered"),
    },
  };
}

function bucketsOf(aggregates: LogAggregates, from: number, to: number, bucketMs: number): SummaryBucket[] {
  const buckets: SummaryBucket[] = [];
  for (let start = from; start < to; start += bucketMs) {
    buckets.push({ start, received: 0, delivered: 0, failed: 0, successRate: null, p95LatencyMs: null });
  }
  const at = (start: number) => buckets[Math.round((start - from) / bucketMs)];
  for (const { start, direction, status, count } of aggregates.buckets) {
    const bucket = at(start);
    if (!bucket || direction !== "inbound") continue;
    bucket.received += count;
    if (status === "delivered") bucket.delivered += count;
    if (status === "failed" || status === "dead_lettered") bucket.failed += count;
  }
  for (const { start, p95 } of aggregates.requestLatencyP95ByBucket) {
    const bucket = at(start);
    if (bucket) bucket.p95LatencyMs = p95;
  }
  for (const bucket of buckets) {
    const settled = bucket.delivered + bucket.failed;
    bucket.successRate = settled ? bucket.delivered / settled : null;
  }
  return buckets;
}
