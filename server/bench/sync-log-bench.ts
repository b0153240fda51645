/**
 * Sync-log section of `npm run bench`: fills a SQLite store with 1,000,000 realistic rows, then through the real
 * server measures the p95 of typical filtered log queries (GET /api/log), the p95 lag from sending an event to the
 * Tracking API until a live-log subscriber receives it (SSE), the p99 of /healthz while a client loops the
 * summary, a filtered search and a full CSV export, and the store's size per million rows.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openSqliteStore } from "../store/sqlite-store.ts";
import { startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import type { LogItem } from "../sync-log/log-view.ts";
import { MAPPED_CONFIGURATION, openLogStream, rowsOf, sendEvents } from "../sync-log/test-support.ts";
import { fillSyncLog, type LogFixture } from "./sync-log-fixture.ts";
import { seededRandom } from "../testing/seeded-random.ts";

export interface SyncLogBenchResult {
  log_query_p95_ms: number;
  live_lag_p95_ms: number;
  healthz_p99_ms_under_queries: number;
  store_mb_per_million_rows: number;
}

const ROWS = 1_000_000;
const QUICK_ROWS = 100_000;
const QUERY_ROUNDS = 40;
const LIVE_EVENTS = 200;
const LIVE_SPACING_MS = 20;
/** /healthz samples taken while the heavy reads loop. */
const HEALTHZ_SAMPLES = 400;
const HEALTHZ_SPACING_MS = 10;
const BENCH_INSTALLATION = "inst-sync-log-bench";
/**
 * The benchmark is one client timing its own reads, hundreds a minute: the per-session and per-installation API
 * limits that keep tenants apart would answer it 429, and they are not what it measures.
 */
export const ONE_CLIENT_UNLIMITED = { API_REQUESTS_PER_MINUTE_PER_SESSION: "1000000", API_REQUESTS_PER_MINUTE_PER_INSTALLATION: "1000000" };

/** What `npm run bench` passes to every section (server/bench/section.ts); both optional here. */
export interface SyncLogBenchOptions {
  /** 100,000 rows instead of 1,000,000 (the size is still reported per million). */
  quick?: boolean;
  log?: (message: string) => void;
}

export function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)];
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export async function runSyncLogBench(options: SyncLogBenchOptions = {}): Promise<SyncLogBenchResult> {
  const rows = options.quick ? QUICK_ROWS : ROWS;
  const progress = (message: string) => (options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`[sync-log bench] ${message}`);
  const dir = mkdtempSync(join(tmpdir(), "sync-log-bench-"));
  const path = join(dir, "sync.db");
  let stack: TestStack | null = null;
  try {
    await openSqliteStore(path, createSecretBox(parseSecretKeys(generateSecretKeySpec()))).close();
    progress(`writing ${rows.toLocaleString("en")} rows…`);
    const started = performance.now();
    const fixture = fillSyncLog(path, BENCH_INSTALLATION, rows, Date.now());
    const storeMb = statSync(path).size / 1e6;
    progress(`wrote them in ${Math.round((performance.now() - started) / 1000)} s; ${Math.round(storeMb)} MB`);

    stack = await startTestStack({ databaseUrl: path, env: ONE_CLIENT_UNLIMITED });
    const installation = await stack.install({
      uid: BENCH_INSTALLATION,
      configuration: { ...MAPPED_CONFIGURATION, retention: { days: 30, maxRows: 10_000_000 } },
    });
    const queryP95 = await measureLogQueries(installation, fixture);
    progress(`log query p95 ${round1(queryP95)} ms`);
    const lagP95 = await measureLiveLag(stack, installation);
    progress(`live lag p95 ${round1(lagP95)} ms`);
    const healthzP99 = await measureHealthzUnderQueries(stack, installation, fixture);
    progress(`/healthz p99 under summary, search and export ${round1(healthzP99)} ms`);
    return {
      log_query_p95_ms: round1(queryP95),
      live_lag_p95_ms: round1(lagP95),
      healthz_p99_ms_under_queries: round1(healthzP99),
      store_mb_per_million_rows: round1(storeMb / (rows / 1_000_000)),
    };
  } finally {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}


async function timedPage(installation: TestInstallation, query: string): Promise<{ ms: number; nextCursor: number | null }> {
  const started = performance.now();
  const response = await installation.api(`/api/log?limit=50&${query}`);
  if (!response.ok) throw new Error(`GET /api/log?${query} answered ${response.status}: ${await response.text()}`);
  const page = (await response.json()) as { items: LogItem[]; nextCursor: number | null };
  return { ms: performance.now() - started, nextCursor: page.nextCursor };
}

async function measureLogQueries(installation: TestInstallation, fixture: LogFixture): Promise<number> {
  const random = seededRandom(11);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  const typical: Array<() => string> = [
    () => "",
    () => `userId=${pick(fixture.userIds)}`,
    () => "status=failed,dead_lettered",
    () => `status=${pick(["failed", "dead_lettered", "pending_retry", "filtered", "rejected"])}`,
    () => `eventName=${encodeURIComponent(pick(fixture.eventNames))}`,
    () => `httpStatusClass=${pick([2, 4, 5])}`,
    () => `direction=inbound&status=delivered&eventType=${pick(["identify", "track", "page"])}`,
    () => `userId=${pick(fixture.userIds)}&status=failed,dead_lettered`,
    () => `from=${fixture.newestAt - 3_600_000}`,
    () => `direction=personalize&status=failed&from=${fixture.newestAt - 86_400_000}`,
  ];
  const samples: number[] = [];
  for (const query of typical) await timedPage(installation, query());
  for (let round = 0; round < QUERY_ROUNDS; round += 1) {
    for (const query of typical) samples.push((await timedPage(installation, query())).ms);
    let cursor = (await timedPage(installation, "direction=inbound")).nextCursor;
    for (let page = 0; page < 5 && cursor !== null; page += 1) {
      const next = await timedPage(installation, `direction=inbound&cursor=${cursor}`);
      samples.push(next.ms);
      cursor = next.nextCursor;
    }
  }
  return p95(samples);
}

/**
 * Samples /healthz every HEALTHZ_SPACING_MS while another client loops the three heaviest reads over the whole log:
 * the 30-day summary, a filtered search and a full CSV export (read to its end).
 */
async function measureHealthzUnderQueries(stack: TestStack, installation: TestInstallation, fixture: LogFixture): Promise<number> {
  let stop = false;
  const reads = [
    `/api/log/summary?from=${fixture.newestAt - 30 * 86_400_000}&to=${fixture.newestAt + 1}`,
    `/api/log?limit=50&errorText=timeout&userId=${encodeURIComponent(fixture.userIds[0])}`,
    "/api/log/export?format=csv",
  ];
  const heavy = (async () => {
    for (let round = 0; !stop; round += 1) {
      const response = await installation.api(reads[round % reads.length]);
      if (!response.ok) throw new Error(`${reads[round % reads.length]} answered ${response.status}`);
      await response.arrayBuffer();
    }
  })();
  const samples: number[] = [];
  try {
    for (let i = 0; i < HEALTHZ_SAMPLES; i += 1) {
      const started = performance.now();
      const response = await fetch(`${stack.url}/healthz`);
      await response.arrayBuffer();
      samples.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, HEALTHZ_SPACING_MS));
    }
  } finally {
    stop = true;
    await heavy;
  }
  const sorted = samples.sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.99) - 1];
}

/** Sends events one request at a time and times each until the stream delivers its inbound row. */
async function measureLiveLag(stack: TestStack, installation: TestInstallation): Promise<number> {
  const stream = await openLogStream(stack, installation);
  const sentAt = new Map<string, number>();
  try {
    for (let i = 0; i < LIVE_EVENTS; i += 1) {
      const messageId = `bench-live-${i}`;
      sentAt.set(messageId, performance.now());
      await sendEvents(stack, installation, [
        { type: "track", userId: `live-${i % 20}`, messageId, event: "Order Completed", properties: { revenue: i } },
      ]);
      await new Promise((resolve) => setTimeout(resolve, LIVE_SPACING_MS));
    }
    const last = `bench-live-${LIVE_EVENTS - 1}`;
    await stream.waitFor((e) => e.event === "rows" && rowsOf(e.data).items.some((item) => item.messageId === last), 10_000);
    const arrivedAt = new Map<string, number>();
    for (const event of stream.received) {
      if (event.event !== "rows") continue;
      for (const item of rowsOf(event.data).items) {
        if (item.direction === "inbound" && item.messageId && !arrivedAt.has(item.messageId)) arrivedAt.set(item.messageId, event.receivedAt);
      }
    }
    const lags = [...sentAt].map(([messageId, at]) => {
      const arrived = arrivedAt.get(messageId);
      if (arrived === undefined) throw new Error(`the stream never delivered ${messageId}`);
      return arrived - at;
    });
    return p95(lags);
  } finally {
    stream.close();
  }
}
