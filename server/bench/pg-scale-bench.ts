/**
 * Scale-out section: delivered events/s with 1, 2 and 4 worker processes on PostgreSQL, next to SQLite. Each run
 * has one API process and its worker processes on a fresh database. The workers are frozen (SIGSTOP) while the
 * API accepts the whole identify-heavy stream, then thawed together (SIGCONT): "delivered" is the time from the
 * thaw until the store has no open row, so the figure is the workers' own (planning, Edge requests, recording),
 * without process start-up or ingest in it. SQLite runs the same way with one worker process on the same file.
 * The emulator must then hold exactly the latest value of every mapped attribute, or the run fails.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openStore } from "../store/open-store.ts";
import { drained, eventually, installOn, startFakeContentstack, TEST_APP_UID, TEST_PROJECT_UID, type FakeContentstack } from "../testing/harness.ts";
import { createTestDatabase } from "../testing/postgres.ts";
import { spawnServerProcess, type ServerProcess } from "../testing/server-process.ts";
import { edgeFailures, startBenchEmulator } from "./bench-emulator.ts";
import type { BenchOptions, SectionResult } from "./section.ts";
import { EVENTS_PER_BATCH, LIFTED_INGEST_QUOTAS, postBatches } from "./tracking-load.ts";
import { batchBodies, BENCH_CONFIGURATION, buildStream, expectedAttributes, type SegmentMessage } from "./workload.ts";

const WORKER_COUNTS = [1, 2, 4] as const;
const DRAIN_TIMEOUT_MS = 300_000;

export interface PgScaleFigures {
  pg_delivered_eps_workers_1: number;
  pg_delivered_eps_workers_2: number;
  pg_delivered_eps_workers_4: number;
  sqlite_delivered_eps: number;
  pg_accepted_eps: number;
  sqlite_accepted_eps: number;
}

interface Run {
  acceptedEps: number;
  deliveredEps: number;
}

export async function runPgScaleBench(options: BenchOptions): Promise<SectionResult> {
  const events = options.quick ? 10_000 : 50_000;
  const messages = buildStream("identify-heavy", events);
  const bodies = batchBodies(messages, EVENTS_PER_BATCH);
  const personalize = await startBenchEmulator();
  const contentstack = await startFakeContentstack();
  try {
    const run = (databaseUrl: string, workers: number) => runOnce(personalize, contentstack, messages, bodies, databaseUrl, workers);
    options.log(`SQLite, 1 worker process, ${events} events…`);
    const dataDir = mkdtempSync(join(tmpdir(), "segment-sync-scale-bench-"));
    const sqlite = await run(join(dataDir, "sync.db"), 1).finally(() => rmSync(dataDir, { recursive: true, force: true }));
    const pg: Run[] = [];
    for (const workers of WORKER_COUNTS) {
      options.log(`PostgreSQL, ${workers} worker process${workers > 1 ? "es" : ""}, ${events} events…`);
      const database = await createTestDatabase();
      pg.push(await run(database.url, workers).finally(() => database.drop()));
    }
    const figures: PgScaleFigures = {
      pg_delivered_eps_workers_1: pg[0].deliveredEps,
      pg_delivered_eps_workers_2: pg[1].deliveredEps,
      pg_delivered_eps_workers_4: pg[2].deliveredEps,
      sqlite_delivered_eps: sqlite.deliveredEps,
      pg_accepted_eps: Math.round(pg.reduce((sum, each) => sum + each.acceptedEps, 0) / pg.length),
      sqlite_accepted_eps: sqlite.acceptedEps,
    };
    return {
      figures: { ...figures },
      table: {
        title: `Scale-out: ${events.toLocaleString("en-US")} identify-heavy events accepted by 1 API process, then delivered by N worker processes`,
        header: ["store", "worker processes", "events/s delivered", "events/s accepted"],
        rows: [
          ["SQLite", "1", sqlite.deliveredEps.toLocaleString("en-US"), sqlite.acceptedEps.toLocaleString("en-US")],
          ...pg.map((each, i) => [
            "PostgreSQL",
            String(WORKER_COUNTS[i]),
            each.deliveredEps.toLocaleString("en-US"),
            each.acceptedEps.toLocaleString("en-US"),
          ]),
        ],
      },
    };
  } finally {
    await personalize.close();
    await contentstack.close();
  }
}

async function runOnce(
  personalize: PersonalizeEmulator,
  contentstack: FakeContentstack,
  messages: SegmentMessage[],
  bodies: string[],
  databaseUrl: string,
  workerCount: number,
): Promise<Run> {
  personalize.reset();
  const secretKeys = generateSecretKeySpec();
  const env = {
    DATABASE_URL: databaseUrl,
    APP_UID: TEST_APP_UID,
    CS_PUBLIC_KEYS_URL: contentstack.publicKeysUrl,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    SECRETS_KEYS: secretKeys,
    PERSONALIZE_HOST_ALLOWLIST: new URL(personalize.url).host,
    LOG_LEVEL: "warn",
    ...LIFTED_INGEST_QUOTAS,
  };
  const processes: ServerProcess[] = [];
  const store = await openStore(databaseUrl, createSecretBox(parseSecretKeys(secretKeys)));
  try {
    const api = await spawnServerProcess({ ...env, PORT: "0", ROLE: "api" });
    processes.push(api);
    const workers = await Promise.all(Array.from({ length: workerCount }, () => spawnServerProcess({ ...env, ROLE: "worker" })));
    processes.push(...workers);
    const installation = await installOn(api.url!, contentstack, personalize, { configuration: BENCH_CONFIGURATION });

    for (const worker of workers) worker.child.kill("SIGSTOP");
    const ingest = await postBatches(api.url!, bodies, installation.writeKey);
    const thawedAt = performance.now();
    for (const worker of workers) worker.child.kill("SIGCONT");
    await eventually(
      () => drained(store, installation.uid),
      DRAIN_TIMEOUT_MS,
      10,
    );
    const deliveredMs = performance.now() - thawedAt;
    checkOutcome(personalize, messages);
    return {
      acceptedEps: Math.round(messages.length / (ingest.elapsedMs / 1000)),
      deliveredEps: Math.round(messages.length / (deliveredMs / 1000)),
    };
  } finally {
    for (const process of processes) process.child.kill("SIGCONT");
    await Promise.all(processes.map((process) => process.stop()));
    await store.close();
  }
}

/** Personalize holds the latest value of every mapped attribute of every user, and no Edge request failed. */
function checkOutcome(personalize: PersonalizeEmulator, messages: SegmentMessage[]): void {
  let wrong = 0;
  for (const [userId, attributes] of expectedAttributes(messages)) {
    const held = personalize.userAttributes(TEST_PROJECT_UID, userId) ?? {};
    if (Object.entries(attributes).some(([key, value]) => held[key] !== value)) wrong += 1;
  }
  if (wrong > 0 || edgeFailures(personalize) > 0) {
    throw new Error(`scale-out run: ${wrong} users hold other values than their latest; Edge failures ${edgeFailures(personalize)}`);
  }
}
