import { afterAll, describe, expect, it } from "vitest";
import { HttpError } from "../http/errors.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openSqliteStore } from "../store/sqlite-store.ts";
import { eventually } from "../testing/harness.ts";
import type { LogQuery, LogRow, Store } from "../store/types.ts";
import { createRetryJobs, type RetryJob } from "./bulk-retry.ts";

const row = (id: number, fields: Partial<LogRow> = {}): LogRow => ({
  id,
  installationUid: "inst-a",
  createdAt: id,
  updatedAt: id,
  direction: "personalize",
  status: "failed",
  userId: `u-${id}`,
  messageId: null,
  eventType: "attributes",
  eventName: null,
  httpStatus: 503,
  latencyMs: 5,
  attempt: 1,
  nextAttemptAt: null,
  error: "HTTP 503",
  payload: null,
  detail: {},
  ...fields,
});

/** Where the jobs themselves are kept: a real store, in memory. */
const jobStore = openSqliteStore(":memory:", createSecretBox(parseSecretKeys(generateSecretKeySpec())));
afterAll(() => jobStore.close());

/** A store whose log reads and re-queues are scripted; each retryOutbound call waits for `release()` when gated. */
function fakeStore(rows: LogRow[], gated = false) {
  const calls: number[][] = [];
  const gates: Array<() => void> = [];
  const store = {
    retryJobs: jobStore.retryJobs,
    async queryLog(query: LogQuery) {
      return rows
        .filter((r) => r.installationUid === query.installationUid && query.statuses!.includes(r.status))
        .filter((r) => query.beforeId === undefined || r.id < query.beforeId)
        .sort((a, b) => b.id - a.id)
        .slice(0, query.limit);
    },
    async retryOutbound(_installationUid: string, ids: number[]) {
      calls.push(ids);
      if (gated) await new Promise<void>((resolve) => gates.push(resolve));
      return ids.filter((id) => id % 10 !== 0);
    },
  } as unknown as Store;
  return { store, calls, release: () => gates.shift()?.() };
}

const log = { warn: () => undefined };

function settle(jobs: ReturnType<typeof createRetryJobs>, id: string, installationUid = "inst-a"): Promise<RetryJob> {
  return eventually(async () => {
    const job = (await jobs.get(installationUid, id))!;
    return job.finishedAt !== null ? job : null;
  }, 10_000, 5);
}

describe("bulk retry jobs", () => {
  it("collects across pages, re-queues in chunks, and counts rows that were no longer retryable", async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => row(i + 1));
    const { store, calls } = fakeStore(rows);
    const jobs = createRetryJobs(store, log);
    const job = await settle(jobs, (await jobs.start("inst-a", {})).id);
    expect(job).toMatchObject({ state: "done", matchedRows: 1200, total: 1200, processed: 1200, requeued: 1080, skipped: 120 });
    expect(calls).toHaveLength(12);
    expect(calls.flat()).toEqual(rows.map((r) => r.id));
  });

  it("re-queues the requests an event produced, each once", async () => {
    const rows = [
      row(1),
      row(2, { direction: "inbound", status: "dead_lettered", detail: { outboundIds: [1, 3] } }),
      row(3, { status: "delivered" }),
    ];
    const { store, calls } = fakeStore(rows);
    const jobs = createRetryJobs(store, log);
    const job = await settle(jobs, (await jobs.start("inst-a", { statuses: ["failed", "dead_lettered", "delivered"] })).id);
    expect(job).toMatchObject({ matchedRows: 2, total: 2 });
    expect(calls).toEqual([[1, 3]]);
  });

  it("stops between chunks when cancelled", async () => {
    const { store, calls, release } = fakeStore(Array.from({ length: 250 }, (_, i) => row(i + 1)), true);
    const jobs = createRetryJobs(store, log);
    const { id } = await jobs.start("inst-a", {});
    await eventually(() => calls.length > 0, 10_000, 1);
    expect((await jobs.cancel("inst-a", id))?.finishedAt).toBeNull();
    release();
    const job = await settle(jobs, id);
    expect(job).toMatchObject({ state: "cancelled", total: 250, processed: 100 });
    expect(calls).toHaveLength(1);
  });

  it("runs one job per installation at a time and keeps jobs private to their installation", async () => {
    const { store, calls, release } = fakeStore([row(1), row(2, { installationUid: "inst-b" })], true);
    const jobs = createRetryJobs(store, log);
    const { id } = await jobs.start("inst-a", {});
    await expect(jobs.start("inst-a", {})).rejects.toThrow(HttpError);
    expect(await jobs.get("inst-b", id)).toBeNull();
    expect(await jobs.cancel("inst-b", id)).toBeNull();
    const other = await jobs.start("inst-b", {});
    expect(other.id).not.toBe(id);
    await eventually(() => calls.length >= 2, 10_000, 1);
    release();
    release();
    expect((await settle(jobs, id)).state).toBe("done");
  });

  it("reports a job whose process stopped writing progress as failed, and lets a new one start", async () => {
    const jobs = createRetryJobs(fakeStore([row(1, { installationUid: "inst-c" })]).store, log);
    const longAgo = Date.now() - 3_600_000;
    const orphan = {
      id: "orphan-job", installationUid: "inst-c", state: "requeueing" as const, filter: {}, matchedRows: 5, total: 5, processed: 2,
      requeued: 2, skipped: 0, error: null, cancelRequested: false, startedAt: longAgo, heartbeatAt: longAgo, finishedAt: null,
    };
    expect(await jobStore.retryJobs.createRetryJob(orphan, longAgo - 1, "unused")).toBeNull();
    expect(await jobs.get("inst-c", "orphan-job")).toMatchObject({ state: "failed", processed: 2, error: expect.stringMatching(/process running the retry stopped/) });
    const next = await jobs.start("inst-c", {});
    expect(await settle(jobs, next.id, "inst-c")).toMatchObject({ state: "done", requeued: 1 });
  });

  it("refuses a status filter without failed or dead-lettered", async () => {
    const jobs = createRetryJobs(fakeStore([]).store, log);
    await expect(jobs.start("inst-a", { statuses: ["delivered"] })).rejects.toThrow(/status: a retry re-sends failed or dead_lettered rows/);
  });
});
