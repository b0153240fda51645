/**
 * The summary of one period: the funnel of received events (received → rejected / deduplicated / filtered /
 * pending → delivered / failed / dead-lettered; events accepted a moment ago and not yet in the log count as received
 * and pending), the Personalize requests, throughput, success rate and p95
 * latency per time bucket (every bucket present, so charts have no holes), top errors and top filter reasons with
 * sample rows, and the latest error.
 */
import {
  countEvents,
  countRequests,
  DISCARD_KINDS,
  ERROR_KINDS,
  narrowKind,
  problemEvents,
  type EventCounts,
  type RequestCounts,
  type RowKind,
} from "../../src/shared/log-counts.ts";
import type { ErrorGroup, LogAggregates, LogRow, LogRowFilter, LogStatus, LogWindow, Store } from "../store/types.ts";
import type { LogFilter } from "./log-filter.ts";
import { toLogItem, type LogItem } from "./log-view.ts";

export interface SummaryBucket {
  start: number;
  received: number;
  delivered: number;
  /** Events rejected, failed or dead-lettered (problemEvents). */
  failed: number;
  /** delivered / (delivered + failed) over events settled in the bucket; null when none settled. */
  successRate: number | null;
  p95LatencyMs: number | null;
}

export interface LogSummary {
  /** The period counted: the filter's time range, the last 24 h by default. */
  from: number;
  to: number;
  /** Where the charts begin: `from`, or later when nothing was logged before (see SummaryPeriod.fitToData). */
  chartFrom: number;
  bucketMs: number;
  funnel: EventCounts;
  requests: RequestCounts;
  latency: { requestP95Ms: number | null; deliveryP95Ms: number | null };
  buckets: SummaryBucket[];
  topErrors: ErrorGroup[];
  filterReasons: ErrorGroup[];
  lastError: LogItem | null;
}

const DAY_MS = 86_400_000;
const BUCKET_SIZES_MS = [5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, DAY_MS];
const MAX_BUCKETS = 60;
/** The shortest period a fitted chart spans. */
const FIT_MIN_SPAN_MS = 3 * 60_000;
const TOP_GROUPS = 10;
const SAMPLES = 3;

export interface SummaryPeriod {
  from: number;
  to: number;
  /**
   * The charts begin where the rows do, not at an empty left edge: "Last 24 h" over traffic of the last ten minutes
   * is charted over those minutes in minute buckets, not as one spike at the right edge of a 24 h axis.
   */
  fitToData: boolean;
}

/** The summary's period: the filter's time range, the last 24 h by default. */
export function parseSummaryPeriod(filter: LogFilter, now: number): SummaryPeriod {
  const to = filter.to ?? now;
  return { from: filter.from ?? to - DAY_MS, to, fitToData: true };
}

/** The smallest listed size that keeps the period within MAX_BUCKETS buckets, else whole days that do. */
export function bucketSizeFor(spanMs: number): number {
  return BUCKET_SIZES_MS.find((size) => spanMs / size <= MAX_BUCKETS) ?? Math.ceil(spanMs / MAX_BUCKETS / DAY_MS) * DAY_MS;
}

/** Summarizes the rows `filter` selects in [from, to); every count follows every condition of the filter. */
export async function summarizeLog(store: Store, installationUid: string, filter: LogFilter, period: SummaryPeriod): Promise<LogSummary> {
  const { from: _from, to: _to, ...rowFilter } = filter;
  const { to } = period;
  let { from } = period;
  let window = { installationUid, from, to, filter: rowFilter };
  let bucketMs = bucketSizeFor(to - from);
  // Staged events have no columns to filter on yet: they count only in an unfiltered view.
  const countStaged = Object.values(rowFilter).every((value) => value === undefined);
  const [periodAggregates, staged, topErrors, filterReasons, lastError] = await Promise.all([
    store.aggregateLog(window, bucketMs),
    countStaged ? store.stagedEvents(installationUid) : 0,
    groupKinds(store, window, ERROR_KINDS),
    groupKinds(store, window, DISCARD_KINDS),
    latestOfKinds(store, installationUid, rowFilter, ERROR_KINDS),
  ]);
  let aggregates = periodAggregates;
  // Nothing was logged before the first active bucket: the counts stay, the buckets are cut finer over the active
  // span (three passes at most: from a day's 30-minute buckets to the minute, then to seconds).
  for (let pass = 0; period.fitToData && pass < 3; pass++) {
    const firstActive = Math.min(...aggregates.buckets.map((bucket) => bucket.start));
    const fitted = Math.max(from, to - Math.max(FIT_MIN_SPAN_MS, (to - firstActive) * 1.1));
    if (!Number.isFinite(firstActive) || fitted <= from) break;
    from = fitted;
    window = { ...window, from };
    bucketMs = bucketSizeFor(to - from);
    aggregates = await store.aggregateLog(window, bucketMs);
  }
  return {
    from: period.from,
    to,
    chartFrom: from,
    bucketMs,
    funnel: countEvents(aggregates.counts, staged),
    requests: countRequests(aggregates.counts),
    latency: { requestP95Ms: aggregates.requestLatencyP95, deliveryP95Ms: aggregates.deliveryP95 },
    buckets: bucketsOf(aggregates, from, to, bucketMs),
    topErrors,
    filterReasons,
    lastError: lastError ? toLogItem(lastError) : null,
  };
}

/** The most frequent errors among rows of these kinds (as the filter narrows them), largest groups first. */
async function groupKinds(store: Store, window: LogWindow & { filter: LogRowFilter }, kinds: readonly RowKind[]): Promise<ErrorGroup[]> {
  const perKind = await Promise.all(
    kinds.map((kind) => {
      const narrowed = narrowKind(kind, window.filter);
      if (!narrowed) return [];
      const filter = { ...window.filter, directions: [...narrowed.directions] };
      return store.groupErrors({ ...window, filter }, narrowed.statuses as LogStatus[], TOP_GROUPS, SAMPLES);
    }),
  );
  const merged = new Map<string, ErrorGroup>();
  for (const group of perKind.flat()) {
    const same = merged.get(group.error);
    merged.set(
      group.error,
      same
        ? {
            error: group.error,
            count: same.count + group.count,
            lastSeenAt: Math.max(same.lastSeenAt, group.lastSeenAt),
            sampleIds: [...same.sampleIds, ...group.sampleIds].sort((a, b) => b - a).slice(0, SAMPLES),
          }
        : group,
    );
  }
  return [...merged.values()].sort((a, b) => b.count - a.count || a.error.localeCompare(b.error)).slice(0, TOP_GROUPS);
}

async function latestOfKinds(store: Store, installationUid: string, filter: LogRowFilter, kinds: readonly RowKind[]): Promise<LogRow | null> {
  const latest = await Promise.all(
    kinds.map(async (kind) => {
      const narrowed = narrowKind(kind, filter);
      if (!narrowed) return undefined;
      const [row] = await store.queryLog({
        ...filter,
        installationUid,
        directions: [...narrowed.directions],
        statuses: narrowed.statuses as LogStatus[],
        limit: 1,
      });
      return row;
    }),
  );
  return latest.reduce<LogRow | null>((newest, row) => (row && (!newest || row.id > newest.id) ? row : newest), null);
}

function bucketsOf(aggregates: LogAggregates, from: number, to: number, bucketMs: number): SummaryBucket[] {
  const countsByBucket = new Map<number, LogAggregates["counts"]>();
  for (const { start, ...count } of aggregates.buckets) countsByBucket.set(start, [...(countsByBucket.get(start) ?? []), count]);
  const p95ByBucket = new Map(aggregates.requestLatencyP95ByBucket.map(({ start, p95 }) => [start, p95]));
  const buckets: SummaryBucket[] = [];
  for (let start = from; start < to; start += bucketMs) {
    const events = countEvents(countsByBucket.get(start) ?? [], 0);
    const failed = problemEvents(events);
    const settled = events.delivered + failed;
    buckets.push({
      start,
      received: events.received,
      delivered: events.delivered,
      failed,
      successRate: settled ? events.delivered / settled : null,
      p95LatencyMs: p95ByBucket.get(start) ?? null,
    });
  }
  return buckets;
}
