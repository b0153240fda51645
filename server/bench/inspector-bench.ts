/**
 * User-inspector section of `npm run bench`: in a 1,000,000-row sync log, the p95 of the user view's API
 * (GET /api/inspector/user, live /manifest call to the emulator included) for the user whose row count is closest
 * to 1,000. Target: 150 ms.
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectorConfiguration, inspectorProject } from "../inspector/scenario.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openSqliteStore } from "../store/sqlite-store.ts";
import { logOfInstallation } from "../store/rows.ts";
import { startTestStack, type TestStack } from "../testing/harness.ts";
import type { BenchOptions, SectionResult } from "./section.ts";
import { fillSyncLog } from "./sync-log-fixture.ts";
import { ONE_CLIENT_UNLIMITED } from "./sync-log-bench.ts";
import { p95 } from "./sync-log-bench.ts";

const ROWS = 1_000_000;
const QUICK_ROWS = 100_000;
const USER_ROWS = 1000;
const ROUNDS = 60;
const TARGET_MS = 150;
const BENCH_INSTALLATION = "inst-inspector-bench";
const PROJECT = "1n5pec70rbench0000000001";

/** The user whose row count is closest to `wanted`, and that count. */
function userWithRows(path: string, installationUid: string, wanted: number): { userId: string; rows: number } {
  const db = new Database(path, { readonly: true });
  try {
    const row = db
      .prepare(`SELECT user_id AS userId, COUNT(*) AS rows FROM sync_log WHERE ${logOfInstallation("?")} AND user_id IS NOT NULL
        GROUP BY user_id ORDER BY ABS(COUNT(*) - ?) LIMIT 1`)
      .get(installationUid, wanted) as { userId: string; rows: number };
    return row;
  } finally {
    db.close();
  }
}

export async function runInspectorBench(options: BenchOptions): Promise<SectionResult> {
  const rows = options.quick ? QUICK_ROWS : ROWS;
  const progress = (message: string) => options.log(`[inspector bench] ${message}`);
  const dir = mkdtempSync(join(tmpdir(), "inspector-bench-"));
  const path = join(dir, "sync.db");
  let stack: TestStack | null = null;
  try {
    await openSqliteStore(path, createSecretBox(parseSecretKeys(generateSecretKeySpec()))).close();
    progress(`writing ${rows.toLocaleString("en")} rows…`);
    fillSyncLog(path, BENCH_INSTALLATION, rows, Date.now());
    const user = userWithRows(path, BENCH_INSTALLATION, USER_ROWS);
    progress(`inspecting ${user.userId} (${user.rows} rows)`);

    stack = await startTestStack({ databaseUrl: path, fixtures: { projects: [inspectorProject(PROJECT)] }, env: ONE_CLIENT_UNLIMITED });
    const installation = await stack.install({
      uid: BENCH_INSTALLATION,
      ...inspectorConfiguration(PROJECT, stack.personalize.url, stack.personalize.managementUrl),
    });
    const viewPath = `/api/inspector/user?userId=${encodeURIComponent(user.userId)}`;
    for (let warm = 0; warm < 3; warm++) await (await installation.api(viewPath)).arrayBuffer();
    const samples: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const response = await installation.api(viewPath);
      const body = (await response.json()) as { logRows?: number };
      samples.push(performance.now() - started);
      if (response.status !== 200 || body.logRows !== Math.min(user.rows, USER_ROWS)) throw new Error(`inspector answered ${response.status} with ${body.logRows} rows`);
    }
    const inspectorP95 = Math.round(p95(samples) * 10) / 10;
    progress(`p95 ${inspectorP95} ms`);
    return {
      figures: { inspector_p95_ms: inspectorP95 },
      missed: inspectorP95 > TARGET_MS ? [`inspector_p95_ms ${inspectorP95} > ${TARGET_MS}`] : [],
    };
  } finally {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
