/**
 * (a) Our pipeline: the server as its own process (the compiled server under `npm run bench`, production defaults,
 * a fresh SQLite file), one installation per stream installed by a signed lifecycle webhook. A stream is
 * "delivered" when the store has no staged request and no open row left for the installation; then the emulator
 * must hold exactly the latest value of every mapped attribute for every user, or the run fails.
 */
import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { generateSecretKeySpec } from "../security/secret-box.ts";
import { SPARSE } from "../store/migrations.ts";
import { logOfInstallation } from "../store/rows.ts";
import { eventually, installOn, TEST_APP_UID, TEST_PROJECT_UID, type FakeContentstack } from "../testing/harness.ts";
import { processCpuMs, spawnServerProcess } from "../testing/server-process.ts";
import { edgeFailures, edgeRequests } from "./bench-emulator.ts";
import type { PreparedStream, StreamRun, SystemRun } from "./comparison.ts";
import { LIFTED_INGEST_QUOTAS, postBatches } from "./tracking-load.ts";
import { BENCH_CONFIGURATION, expectedAttributes } from "./workload.ts";

export async function runPipeline(
  personalize: PersonalizeEmulator,
  contentstack: FakeContentstack,
  streams: PreparedStream[],
  deliveryTimeoutMs: number,
): Promise<SystemRun> {
  const dataDir = mkdtempSync(join(tmpdir(), "segment-sync-bench-"));
  const databasePath = join(dataDir, "sync.db");
  const server = await spawnServerProcess({
    PORT: "0",
    DATABASE_URL: databasePath,
    APP_UID: TEST_APP_UID,
    CS_PUBLIC_KEYS_URL: contentstack.publicKeysUrl,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    SECRETS_KEYS: generateSecretKeySpec(),
    PERSONALIZE_HOST_ALLOWLIST: new URL(personalize.url).host,
    LOG_LEVEL: "warn",
    ...LIFTED_INGEST_QUOTAS,
  });
  const store = new Database(databasePath, { readonly: true, fileMustExist: true });
  const openRow = store.prepare(
    `SELECT 1 FROM sync_log WHERE ${logOfInstallation("@uid")} AND ${SPARSE.status}
       AND status IN ('queued', 'processing', 'pending', 'pending_retry', 'in_flight')
     UNION ALL SELECT 1 FROM inbound_staged WHERE installation_uid = @uid LIMIT 1`,
  );
  try {
    const runs: StreamRun[] = [];
    for (const stream of streams) {
      personalize.reset();
      const installation = await installOn(server.url!, contentstack, personalize, { configuration: BENCH_CONFIGURATION });
      const cpuBefore = processCpuMs(server.child.pid!);
      const ingest = await postBatches(server.url!, stream.bodies, installation.writeKey);
      await eventually(() => openRow.get({ uid: installation.uid }) === undefined, deliveryTimeoutMs, 10).catch((error: Error) => {
        throw new Error(`(a) ${stream.kind}: rows still open: ${error.message}`);
      });
      const deliveredMs = performance.now() - ingest.startedAt;
      const cpuMs = processCpuMs(server.child.pid!) - cpuBefore;
      checkOutcome(store, installation.uid, stream, personalize);
      runs.push({ kind: stream.kind, events: stream.messages.length, ingest, deliveredMs, edgeCalls: edgeRequests(personalize), cpuMs });
    }
    return { streams: runs, peakRssMb: server.memory().peakMb };
  } finally {
    store.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every event settled (delivered, or filtered by its mapping), none failed, and Personalize holds the right values. */
function checkOutcome(store: Database.Database, installationUid: string, stream: PreparedStream, personalize: PersonalizeEmulator): void {
  const statuses = store
    .prepare(`SELECT status, count(*) AS n FROM sync_log WHERE ${logOfInstallation("?")} AND direction = 'inbound' GROUP BY status`)
    .all(installationUid) as Array<{ status: string; n: number }>;
  const unsettled = statuses.filter(({ status }) => status !== "delivered" && status !== "filtered");
  const settled = statuses.reduce((sum, { n }) => sum + n, 0) - unsettled.reduce((sum, { n }) => sum + n, 0);
  if (unsettled.length || settled !== stream.messages.length || edgeFailures(personalize) > 0) {
    throw new Error(`(a) ${stream.kind}: inbound rows ${JSON.stringify(statuses)}, Edge failures ${edgeFailures(personalize)}`);
  }
  let wrong = 0;
  for (const [userId, attributes] of expectedAttributes(stream.messages)) {
    const held = personalize.userAttributes(TEST_PROJECT_UID, userId) ?? {};
    if (Object.entries(attributes).some(([key, value]) => held[key] !== value)) wrong += 1;
  }
  if (wrong > 0) throw new Error(`(a) ${stream.kind}: ${wrong} users hold attribute values other than their latest ones`);
}
