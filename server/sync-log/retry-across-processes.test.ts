/**
 * Bulk-retry jobs live in the store: on PostgreSQL, a job started through one API process is polled and cancelled
 * through another, which never ran it.
 */
import { randomBytes } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { startPersonalizeEmulator } from "../emulators/personalize/index.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openPostgresStore } from "../store/postgres-store.ts";
import { eventually, installOn, lenientFixtures, startFakeContentstack, TEST_APP_UID } from "../testing/harness.ts";
import { createTestDatabase } from "../testing/postgres.ts";
import { describePostgres } from "../testing/postgres-suite.ts";
import { spawnServerProcess, type ServerProcess } from "../testing/server-process.ts";
import type { RetryJob } from "./bulk-retry.ts";
import { MAPPED_CONFIGURATION } from "./test-support.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describePostgres("bulk retry across API processes", () => {
  it("answers a poll and a cancel for a job started on another process", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const personalize = await startPersonalizeEmulator({ fixtures: lenientFixtures() });
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
      DELIVERY_BATCH_WINDOW_MS: "20",
      PORT: "0",
    };
    const processes: ServerProcess[] = [];
    cleanups.push(() => Promise.all(processes.map((process) => process.stop("SIGKILL"))));
    const [first, second] = await Promise.all([spawnServerProcess({ ...env, ROLE: "all" }), spawnServerProcess({ ...env, ROLE: "api" })]);
    processes.push(first, second);
    const store = await openPostgresStore(database.url, createSecretBox(parseSecretKeys(secretKeys)));
    cleanups.push(() => store.close());

    const installation = await installOn(first.url!, contentstack, personalize, { configuration: MAPPED_CONFIGURATION });
    personalize.addFault({ kind: "status", status: 400, route: "PATCH /user-attributes" });
    const users = ["x-1", "x-2", "x-3"];
    const ingest = await fetch(`${first.url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${installation.writeKey}:`).toString("base64")}` },
      body: JSON.stringify({ batch: users.map((userId) => ({ type: "identify", userId, traits: { plan: "pro" } })) }),
    });
    expect(ingest.status).toBe(200);
    const failedRequests = () => store.queryLog({ installationUid: installation.uid, directions: ["personalize"], statuses: ["failed"], limit: 10 });
    await eventually(async () => (await failedRequests()).length === users.length, 20_000, 50);
    personalize.clearFaults();

    const token = await installation.session();
    const onSecond = (path: string, init: RequestInit = {}) =>
      fetch(`${second.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    const started = await installation.api("/api/log/retry", { method: "POST", body: JSON.stringify({ status: ["failed"] }) });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as RetryJob;

    const finished = await eventually(async () => {
      const response = await onSecond(`/api/log/retry/${id}`);
      expect(response.status).toBe(200);
      const job = (await response.json()) as RetryJob;
      return job.finishedAt === null ? null : job;
    }, 20_000, 50);
    expect(finished).toMatchObject({ id, state: "done", matchedRows: 2 * users.length, total: users.length, requeued: users.length, skipped: 0 });
    const cancelled = await onSecond(`/api/log/retry/${id}/cancel`, { method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id, state: "done" });
    expect((await onSecond("/api/log/retry/not-a-job")).status).toBe(404);

    await eventually(
      async () => (await store.queryLog({ installationUid: installation.uid, directions: ["personalize"], statuses: ["delivered"], limit: 10 })).length === users.length,
      20_000,
      50,
    );
  });
});
