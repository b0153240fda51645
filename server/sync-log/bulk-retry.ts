/**
 * Bulk retry of a filtered view as a background job: first collect the failed and dead-lettered rows the filter
 * matches (an event contributes the requests it produced), then re-queue them in small chunks through
 * `store.retryOutbound`, which only touches rows still failed or dead-lettered — so retrying twice never sends
 * twice. The job lives in the store (`store.retryJobs`): the process that started it runs it and writes its
 * progress after every step, and any process answers a poll or a cancel (checked between steps). A job whose
 * process stopped is reported as failed once its progress is STALE_AFTER_MS old. Jobs are forgotten some minutes
 * after they finish.
 */
import { randomUUID } from "node:crypto";
import { HttpError } from "../http/errors.ts";
import type { RetryJobRecord } from "../store/retry-job-store.ts";
import type { LogStatus, Store } from "../store/types.ts";
import type { LogFilter } from "./log-filter.ts";
import { outboundIdsOf } from "./log-view.ts";

export const RETRYABLE_STATUSES: LogStatus[] = ["failed", "dead_lettered"];
const SCAN_PAGE = 500;
const REQUEUE_CHUNK = 100;
const KEEP_FINISHED_MS = 10 * 60_000;
/** Every step writes progress; a running job whose progress is older than this lost its process. */
const STALE_AFTER_MS = 60_000;
const ABANDONED = "the process running the retry stopped; rows re-queued so far stay queued; start the retry again for the rest";

/** What a poll answers: the job's progress, without its filter and bookkeeping. */
export type RetryJob = Omit<RetryJobRecord, "installationUid" | "filter" | "cancelRequested" | "heartbeatAt">;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const view = ({ installationUid: _uid, filter: _filter, cancelRequested: _cancel, heartbeatAt: _heartbeat, ...job }: RetryJobRecord): RetryJob =>
  job;

export function createRetryJobs(store: Pick<Store, "queryLog" | "retryOutbound" | "retryJobs">, log: { warn(obj: object, msg: string): void }) {
  const jobs = store.retryJobs;

  /** Writes the job's progress; true once a cancel was asked for (by any process). */
  const save = async (record: RetryJobRecord) => {
    record.heartbeatAt = Date.now();
    if (await jobs.saveRetryJob(record)) record.cancelRequested = true;
    return record.cancelRequested;
  };

  const run = async (record: RetryJobRecord, filter: LogFilter, statuses: LogStatus[]) => {
    const { installationUid } = record;
    const ids = new Set<number>();
    let beforeId: number | undefined;
    for (;;) {
      const rows = await store.queryLog({ ...filter, statuses, installationUid, beforeId, limit: SCAN_PAGE });
      record.matchedRows += rows.length;
      for (const row of rows) for (const id of outboundIdsOf(row)) ids.add(id);
      if (rows.length < SCAN_PAGE || (await save(record))) break;
      beforeId = rows[rows.length - 1].id;
      await nextTurn();
    }
    record.total = ids.size;
    record.state = "requeueing";
    const queue = [...ids].sort((a, b) => a - b);
    for (let start = 0; start < queue.length && !(await save(record)); start += REQUEUE_CHUNK) {
      const chunk = queue.slice(start, start + REQUEUE_CHUNK);
      const requeued = await store.retryOutbound(installationUid, chunk, Date.now());
      record.processed += chunk.length;
      record.requeued += requeued.length;
      record.skipped += chunk.length - requeued.length;
      await nextTurn();
    }
  };

  return {
    async start(installationUid: string, filter: LogFilter): Promise<RetryJob> {
      const statuses = filter.statuses ? filter.statuses.filter((s) => RETRYABLE_STATUSES.includes(s)) : RETRYABLE_STATUSES;
      if (statuses.length === 0) {
        throw new HttpError(400, "invalid_request", "status: a retry re-sends failed or dead_lettered rows; the filter selects neither");
      }
      const now = Date.now();
      await jobs.forgetRetryJobs(now - KEEP_FINISHED_MS);
      const record: RetryJobRecord = {
        id: randomUUID(),
        installationUid,
        state: "collecting",
        filter: { ...filter },
        matchedRows: 0,
        total: 0,
        processed: 0,
        requeued: 0,
        skipped: 0,
        error: null,
        cancelRequested: false,
        startedAt: now,
        heartbeatAt: now,
        finishedAt: null,
      };
      const running = await jobs.createRetryJob(record, now - STALE_AFTER_MS, ABANDONED);
      if (running) throw new HttpError(409, "retry_running", `retry job ${running} is still running; wait for it or cancel it`);
      const started = view(record);
      void run(record, filter, statuses)
        .then(() => {
          record.state = record.cancelRequested ? "cancelled" : "done";
        })
        .catch((error: unknown) => {
          log.warn({ err: error, job: record.id }, "bulk retry failed");
          record.state = "failed";
          record.error = "the retry stopped because the store failed; rows re-queued so far stay queued";
        })
        .then(() => {
          record.finishedAt = Date.now();
          return save(record);
        })
        .catch((error: unknown) => log.warn({ err: error, job: record.id }, "recording the end of a bulk retry failed"));
      return started;
    },

    /** The job, or null when it does not exist for this installation. */
    async get(installationUid: string, id: string): Promise<RetryJob | null> {
      const record = await jobs.getRetryJob(installationUid, id);
      if (!record) return null;
      const now = Date.now();
      if (record.finishedAt === null && record.heartbeatAt < now - STALE_AFTER_MS) {
        Object.assign(record, { state: "failed", error: ABANDONED, finishedAt: now });
        await jobs.saveRetryJob(record);
      }
      return view(record);
    },

    async cancel(installationUid: string, id: string): Promise<RetryJob | null> {
      const record = await jobs.requestRetryJobCancel(installationUid, id);
      return record && view(record);
    },
  };
}
export type RetryJobs = ReturnType<typeof createRetryJobs>;
