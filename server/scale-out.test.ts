/**
 * Scale-out on PostgreSQL: 1 API process and 3 worker processes share one database. 50,000 events (override with
 * SCALE_OUT_EVENTS) go in through analytics-node, and one worker is killed with SIGKILL midway. Then Personalize
 * must hold every acknowledged event's effect, any request it received twice must be one the killed worker had
 * in flight, and each user's updates must have arrived in order. The API process's live log must have streamed
 * every delivered request, though only the workers write them.
 */
import { Analytics } from "@segment/analytics-node";
import { randomBytes } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { startPersonalizeEmulator, type PersonalizeEmulator } from "./emulators/personalize/index.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "./security/secret-box.ts";
import { openPostgresStore } from "./store/postgres-store.ts";
import { connectEventStream } from "./sync-log/sse-client.ts";
import { rowsOf } from "./sync-log/test-support.ts";
import { drained, eventually, installOn, lenientFixtures, startFakeContentstack, TEST_APP_UID, TEST_PROJECT_UID } from "./testing/harness.ts";
import { createTestDatabase } from "./testing/postgres.ts";
import { describePostgres } from "./testing/postgres-suite.ts";
import { spawnServerProcess, type ServerProcess } from "./testing/server-process.ts";

const EVENTS = Number(process.env.SCALE_OUT_EVENTS ?? 50_000);
const USERS = 500;
const CLIENTS = 4;
const WORKERS = 3;
/** Requests in flight per worker (DELIVERY_CONCURRENCY): at most this many can reach Personalize twice. */
const WORKER_CONCURRENCY = 64;
const ROUNDS = Math.ceil(EVENTS / USERS);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describePostgres("scale-out on PostgreSQL", () => {
  it(`delivers ${EVENTS.toLocaleString("en-US")} events with 1 API and ${WORKERS} worker processes, one of them killed midway`, async () => {
    const startedAt = Date.now();
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const personalize: PersonalizeEmulator = await startPersonalizeEmulator({ fixtures: lenientFixtures(), recordLimit: 200_000 });
    cleanups.push(() => personalize.close());
    const contentstack = await startFakeContentstack();
    cleanups.push(() => contentstack.close());
    const secretKeys = generateSecretKeySpec();
    const env = {
      DATABASE_URL: database.url,
      APP_UID: TEST_APP_UID,
      CS_PUBLIC_KEYS_URL: contentstack.publicKeysUrl,
      SESSION_SECRET: randomBytes(32).toString("hex"),
      SECRETS_KEYS: secretKeys,
      PERSONALIZE_HOST_ALLOWLIST: new URL(personalize.url).host,
      DELIVERY_BATCH_WINDOW_MS: "50",
      // Planning is synchronous: smaller steps keep the planning worker's in-flight requests from waiting seconds
      // for its event loop on a busy machine, and timing out (a timed-out request is resent: a duplicate).
      DELIVERY_PLAN_BATCH: "2000",
      DELIVERY_CONCURRENCY: String(WORKER_CONCURRENCY),
    };
    const processes: ServerProcess[] = [];
    cleanups.push(() => Promise.all(processes.map((process) => process.stop("SIGKILL"))));
    const api = await spawnServerProcess({ ...env, PORT: "0", ROLE: "api" });
    processes.push(api);
    const workers = await Promise.all(Array.from({ length: WORKERS }, () => spawnServerProcess(env, ["--role=worker"])));
    processes.push(...workers);
    const store = await openPostgresStore(database.url, createSecretBox(parseSecretKeys(secretKeys)));
    cleanups.push(() => store.close());
    const installation = await installOn(api.url!, contentstack, personalize, {
      configuration: { attributeMappings: [{ id: "seq", source: "traits.seq", attribute: "seq", type: "number" }] },
    });

    // Warm-up: the processes' first Edge requests (new connections, code paths run for the first time) can take
    // seconds on a busy machine; one that times out is resent, a duplicate this test would count.
    const warmUp = await fetch(`${api.url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${installation.writeKey}:`).toString("base64")}` },
      body: JSON.stringify({ batch: Array.from({ length: 300 }, (_, i) => ({ type: "identify", userId: `warm-up-${i}`, traits: { seq: 0 } })) }),
    });
    expect(warmUp.status).toBe(200);
    await eventually(
      () => drained(store, installation.uid),
      60_000,
      100,
    );
    const streamStartedAt = Date.now();

    const { token } = (await (await installation.api("/api/stream-token", { method: "POST" })).json()) as { token: string };
    const streamedDeliveries = new Set<number>();
    const stream = await connectEventStream(`${api.url}/api/log/stream?token=${encodeURIComponent(token)}`, (event) => {
      if (event.event !== "rows") return;
      for (const item of rowsOf(event.data).items) {
        if (item.direction === "personalize" && item.status === "delivered") streamedDeliveries.add(item.id);
      }
    });
    cleanups.push(async () => stream.close());
    await stream.waitFor((event) => event.event === "ready");

    const inFlight = () => store.queryLog({ installationUid: installation.uid, statuses: ["in_flight"], limit: 10_000 });
    /** Kills worker 0 and returns what it had in flight, as "user body" by row id. */
    async function killWorker(): Promise<Map<number, string>> {
      await workers[0].stop("SIGKILL");
      const first = await inFlight();
      personalize.clearFaults();
      // The dead worker's rows stay in flight until their lease ends (3 × DELIVERY_TIMEOUT_MS); the live workers'
      // are answered within a second once the delay is gone.
      await pause(1500);
      const still = new Set((await inFlight()).map((row) => row.id));
      const rows = first.filter((row) => still.has(row.id));
      return new Map(rows.map((row) => [row.id, `${row.userId} ${(row.payload as { body: string }).body}`]));
    }

    const clients = Array.from(
      { length: CLIENTS },
      () => new Analytics({ writeKey: installation.writeKey, host: api.url!, flushAt: 250, flushInterval: 100, maxRetries: 10 }),
    );
    /** Each user's highest acknowledged seq. */
    const acked = new Map<string, number>();
    const failures: unknown[] = [];
    let sent = 0;
    let ackedCount = 0;
    let killedInFlight: Map<number, string> | null = null;
    for (let seq = 1; seq <= ROUNDS; seq++) {
      for (let user = 0; user < USERS && sent < EVENTS; user++, sent++) {
        const userId = `user-${user}`;
        clients[user % CLIENTS].identify(
          { userId, messageId: `${userId}-${seq}`, traits: { seq }, timestamp: new Date(Date.UTC(2026, 0, 1) + seq * 1000) },
          (error) => {
            if (error) failures.push(error);
            else acked.set(userId, Math.max(acked.get(userId) ?? 0, seq));
            ackedCount += 1;
          },
        );
      }
      // At most a few rounds unacknowledged, as a steady sender would have.
      await eventually(() => sent - ackedCount <= 4 * USERS, 60_000, 5);
      // Midway, Edge requests are held for a second until more are in flight than two workers can hold, so that
      // the worker killed then has some too.
      if (seq === Math.floor(ROUNDS / 2)) personalize.addFault({ route: "PATCH /user-attributes", kind: "delay", ms: 1000 });
      if (!killedInFlight && seq >= ROUNDS / 2 && (await inFlight()).length > 2 * WORKER_CONCURRENCY) killedInFlight = await killWorker();
    }
    await Promise.all(clients.map((client) => client.closeAndFlush({ timeout: 60_000 })));
    const ingestedAt = Date.now();
    expect(failures).toEqual([]);

    await eventually(
      () => drained(store, installation.uid),
      120_000,
      200,
    );
    const deliveredAt = Date.now();

    const inbound = await store.queryLog({ installationUid: installation.uid, directions: ["inbound"], from: streamStartedAt, limit: EVENTS * 2 });
    const statuses = new Map<string, number>();
    for (const row of inbound) statuses.set(row.status, (statuses.get(row.status) ?? 0) + 1);
    expect([...statuses.keys()].filter((status) => !["delivered", "filtered", "deduplicated"].includes(status))).toEqual([]);
    // Filtered only as superseded: a newer value of the same user went out instead.
    expect(inbound.filter((row) => row.status === "filtered" && !/superseded/.test(row.error ?? ""))).toEqual([]);
    expect(new Set(inbound.filter((row) => row.status !== "deduplicated").map((row) => row.messageId)).size).toBe(EVENTS);

    const patches = personalize
      .requests({ path: "/user-attributes", since: streamStartedAt })
      .filter((request) => request.response?.status === 200);
    const seen = new Set<string>();
    const duplicates: string[] = [];
    const seqsByUser = new Map<string, number[]>();
    for (const patch of patches) {
      const key = `${patch.userUid} ${patch.body}`;
      if (seen.has(key)) duplicates.push(key);
      seen.add(key);
      const seqs = seqsByUser.get(patch.userUid!) ?? [];
      seqs.push(Number(JSON.parse(patch.body).seq));
      seqsByUser.set(patch.userUid!, seqs);
    }
    expect(killedInFlight?.size ?? 0, "requests in flight on the killed worker").toBeGreaterThan(0);
    const sentByKilled = new Set(killedInFlight!.values());
    expect(duplicates.filter((key) => !sentByKilled.has(key))).toEqual([]);
    expect(duplicates.length).toBeLessThanOrEqual(WORKER_CONCURRENCY);
    for (let user = 0; user < USERS; user++) {
      const userId = `user-${user}`;
      const seqs = seqsByUser.get(userId) ?? [];
      expect(seqs, userId).toEqual([...seqs].sort((a, b) => a - b));
      expect(personalize.userAttributes(TEST_PROJECT_UID, userId)?.seq, userId).toBe(acked.get(userId));
    }
    const deliveredRequests = await store.queryLog({
      installationUid: installation.uid,
      directions: ["personalize"],
      statuses: ["delivered"],
      from: streamStartedAt,
      limit: EVENTS,
    });
    await eventually(() => deliveredRequests.every((row) => streamedDeliveries.has(row.id)), 15_000, 100);
    console.log(
      `scale-out: ${EVENTS} events, ${patches.length} PATCH requests, ${duplicates.length} duplicates ` +
        `(${sentByKilled.size} rows in flight on the killed worker); from the start, all acknowledged at ` +
        `${((ingestedAt - startedAt) / 1000).toFixed(1)} s and all delivered at ${((deliveredAt - startedAt) / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});
