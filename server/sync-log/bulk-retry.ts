/**
 * Bulk retry of a filtered view as a background job: first collect the failed and dead-lettered rows the filter
 * matches (an event contributes the requests it produced), then re-queue them in small chunks through
 * `store.retryOutbound`, which only touches rows still failed or dead-lettered — so retrying twice never sends
 * twice. Progress can be polled and the job cancelled between chunks. Jobs live in this process's memory and are
 * forgotten some minutes after they finish.
 */
import { randomUUID } from "node:crypto";
import { HttpError } from "../http/errors.ts";
import type { LogStatus, Store } from "../store/types.ts";
import type { LogFilter } from "./log-filter.ts";
import { outboundIdsOf } from "./log-view.ts";

export const RETRYABLE_STATUSES: LogStatus[] = ["failed", "dead_lettered"];
const SCAN_PAGE = 500;
const REQUEUE_CHUNK = 100;
const KEEP_FINISHED_MS = 10 * 60_000;

export interface RetryJob {
  id: string;
  state: "collecting" | "requeueing" | "done" | "cancelled" | "failed";
  /** Failed or dead-lettered rows the filter matched so far. */
  matchedRows: number;
  /** Distinct requests to re-queue (known once collecting ends). */
  total: number;
  processed: number;
  requeued: number;
  /** Requests that were no longer failed or dead-lettered when their turn came (already retried, delivered). */
  skipped: number;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

interface JobRecord {
  installationUid: string;
  job: RetryJob;
  cancelled: boolean;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createRetryJobs(store: Store, log: { warn(obj: object, msg: string): void }) {
  const jobs = new Map<string, JobRecord>();

  const forgetFinished = () => {
    const cutoff = Date.now() - KEEP_FINISHED_MS;
    for (const [id, record] of jobs) if (record.job.finishedAt !== null && record.job.finishedAt < cutoff) jobs.delete(id);
  };

  const run = async (record: JobRecord, filter: LogFilter, statuses: LogStatus[]) => {
    const { job, installationUid } = record;
    const ids = new Set<number>();
    let beforeId: number | undefined;
    for (;;) {
      const rows = await store.queryLog({ ...filter, statuses, installationUid, beforeId, limit: SCAN_PAGE });
      job.matchedRows += rows.length;
      for (const row of rows) for (const id of outboundIdsOf(row)) ids.add(id);
      if (rows.length < SCAN_PAGE || record.cancelled) break;
      beforeId = rows[rows.length - 1].id;
      await nextTurn();
    }
    job.total = ids.size;
    job.state = "requeueing";
    const queue = [...ids].sort((a, b) => a - b);
    for (let start = 0; start < queue.length && !record.cancelled; start += REQUEUE_CHUNK) {
      const chunk = queue.slice(start, start + REQUEUE_CHUNK);
      const requeued = await store.retryOutbound(installationUid, chunk, Date.now());
      job.processed += chunk.length;
      job.requeued += requeued.length;
      job.skipped += chunk.length - requeued.length;
      await nextTurn();
    }
  };

  return {
    start(installationUid: string, filter: LogFilter): RetryJob {
      forgetFinished();
      const statuses = filter.statuses ? filter.statuses.filter((s) => RETRYABLE_STATUSES.includes(s)) : RETRYABLE_STATUSES;
      if (statuses.length === 0) {
        throw new HttpError(400, "invalid_request", "status: a retry re-sends failed or dead_lettered rows; the filter selects neither");
      }
      const running = [...jobs.values()].find((r) => r.installationUid === installationUid && r.job.finishedAt === null);
      if (running) throw new HttpError(409, "retry_running", `retry job ${running.job.id} is still running; wait for it or cancel it`);
      const job: RetryJob = {
        id: randomUUID(),
        state: "collecting",
        matchedRows: 0,
        total: 0,
        processed: 0,
        requeued: 0,
        skipped: 0,
        error: null,
        startedAt: Date.now(),
        finishedAt: null,
      };
      const record: JobRecord = { installationUid, job, cancelled: false };
      jobs.set(job.id, record);
      void run(record, filter, statuses)
        .then(() => {
          job.state = record.cancelled ? "cancelled" : "done";
        })
        .catch((error: unknown) => {
          log.warn({ err: error, job: job.id }, "bulk retry failed");
          job.state = "failed";
          job.error = "the retry stopped because the store failed; rows re-queued so far stay queued";
        })
        .finally(() => {
          job.finishedAt = Date.now();
        });
      return job;
    },

    /** The job, or null when it does not exist for this installation. */
    get(installationUid: string, id: string): RetryJob | null {
      const record = jobs.get(id);
      return record && record.installationUid === installationUid ? record.job : null;
    },

    cancel(installationUid: string, id: string): RetryJob | null {
      const record = jobs.get(id);
      if (!record || record.installationUid !== installationUid) return null;
      if (record.job.finishedAt === null) record.cancelled = true;
      return record.job;
    },
  };
}
export type RetryJobs = ReturnType<typeof createRetryJobs>;
