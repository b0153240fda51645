/**
 * Two-way sync cost: manifest calls per delivered user update on a realistic stream — 1,000 identify events/s
 * for 30 s (10 s with --quick) over 2,000 users whose lifetime value drifts across the "High value" audience
 * threshold — through the server as its own process with the default per-user bound (one manifest call per user
 * per 30 s). Also reports the Experiment Viewed calls that reached the Segment emulator.
 */
import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { devFixture, DEV_MANAGEMENT_TOKEN, DEV_PROJECT_UID } from "../emulators/personalize/dev-fixture.ts";
import { startPersonalizeEmulator } from "../emulators/personalize/index.ts";
import { startSegmentEmulator } from "../emulators/segment/index.ts";
import { generateSecretKeySpec } from "../security/secret-box.ts";
import { eventually, installOn, startFakeContentstack, TEST_APP_UID } from "../testing/harness.ts";
import { seededRandom } from "../testing/seeded-random.ts";
import { spawnServerProcess } from "../testing/server-process.ts";
import type { BenchOptions, SectionResult } from "./section.ts";

const USERS = 2000;
const EVENTS_PER_SECOND = 1000;
const TICK_MS = 50;
const TARGET = 0.2;

export async function runTwoWayBench(options: BenchOptions): Promise<SectionResult> {
  const seconds = options.quick ? 10 : 30;
  const personalize = await startPersonalizeEmulator({ fixtures: devFixture, recordLimit: 0 });
  const segment = await startSegmentEmulator({ writeKeys: ["wk_bench_source"] });
  const contentstack = await startFakeContentstack();
  const dataDir = mkdtempSync(join(tmpdir(), "segment-sync-two-way-bench-"));
  const databasePath = join(dataDir, "sync.db");
  const server = await spawnServerProcess({
    PORT: "0",
    DATABASE_URL: databasePath,
    APP_UID: TEST_APP_UID,
    CS_PUBLIC_KEYS_URL: contentstack.publicKeysUrl,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    SECRETS_KEYS: generateSecretKeySpec(),
    PERSONALIZE_HOST_ALLOWLIST: new URL(personalize.url).host,
    SEGMENT_HOST_OVERRIDE: segment.url,
  });
  const pool = new Pool(server.url!, { connections: 4 });
  try {
    const installation = await installOn(server.url!, contentstack, personalize, {
      configuration: {
        personalize: { region: "CUSTOM", projectUid: DEV_PROJECT_UID, customEdgeUrl: personalize.url, customManagementUrl: personalize.managementUrl },
        attributeMappings: [{ id: "ltv", source: "traits.lifetime_value", attribute: "lifetime_value", type: "number" }],
        twoWay: { enabled: true, eventName: "Experiment Viewed", identifyTrait: "" },
      },
      serverConfiguration: { segmentWriteKey: "wk_bench_source", personalizeManagementToken: DEV_MANAGEMENT_TOKEN },
    });
    const headers = { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${installation.writeKey}:`).toString("base64")}` };
    const random = seededRandom(7);
    const value = new Float64Array(USERS).map(() => random() * 200);
    const perTick = (EVENTS_PER_SECOND * TICK_MS) / 1000;
    const started = performance.now();
    options.log(`  two-way: ${EVENTS_PER_SECOND} identify/s for ${seconds} s over ${USERS} users`);
    for (let tick = 0; tick < (seconds * 1000) / TICK_MS; tick++) {
      const batch = Array.from({ length: perTick }, () => {
        const user = Math.floor(random() * USERS);
        value[user] = Math.max(0, value[user] + (random() - 0.5) * 40);
        return { type: "identify", userId: `bench-user-${user}`, traits: { lifetime_value: Math.round(value[user]) } };
      });
      const response = await pool.request({ path: "/v1/batch", method: "POST", headers, body: JSON.stringify({ batch }) });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`/v1/batch answered ${response.statusCode}`);
      const wait = started + (tick + 1) * TICK_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const store = new Database(databasePath, { readonly: true, fileMustExist: true });
    try {
      const open = store.prepare(
        `SELECT 1 FROM sync_log WHERE status IN ('queued', 'processing', 'pending', 'pending_retry', 'in_flight')
         UNION ALL SELECT 1 FROM inbound_staged LIMIT 1`,
      );
      await eventually(() => open.get() === undefined, 120_000, 50);
      // Checks wait a second after the last update of a user before they run.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const count = (sql: string) => (store.prepare(sql).get() as { n: number }).n;
      const updates = count("SELECT count(*) AS n FROM sync_log WHERE direction = 'personalize' AND event_type = 'attributes' AND status = 'delivered'");
      const manifestCalls = personalize.stats().routes["GET /manifest"]?.requests ?? 0;
      const ratio = Math.round((manifestCalls / updates) * 1000) / 1000;
      const segmentEvents = segment.events().length;
      return {
        figures: { manifest_calls_per_user_update: ratio, two_way_segment_events: segmentEvents },
        table: {
          title: `two-way sync (${EVENTS_PER_SECOND} identify/s for ${seconds} s, ${USERS} users)`,
          header: ["figure", "value", "target"],
          rows: [
            ["delivered user updates (PATCH)", String(updates), ""],
            ["manifest calls", String(manifestCalls), ""],
            ["manifest calls per user update", String(ratio), `≤ ${TARGET}`],
            ["Experiment Viewed calls at Segment", String(segmentEvents), ""],
          ],
        },
        missed: ratio <= TARGET ? [] : [`manifest calls per user update ${ratio} > ${TARGET}`],
      };
    } finally {
      store.close();
    }
  } finally {
    await pool.close();
    await server.stop();
    await personalize.close();
    await segment.close();
    await contentstack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
