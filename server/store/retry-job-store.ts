/**
 * Bulk-retry jobs, kept in the store so that any API process answers a poll or a cancel for any job and a restart
 * forgets none. The process that started a job runs it and writes its progress (with a heartbeat) after each step;
 * one job per installation runs at a time (a unique index over unfinished jobs). Written once for both databases.
 */
import type { Row } from "./rows.ts";
import type { SqlRunner } from "./sql-runner.ts";

export type RetryJobState = "collecting" | "requeueing" | "done" | "cancelled" | "failed";

export interface RetryJobRecord {
  id: string;
  installationUid: string;
  state: RetryJobState;
  /** The log filter the job retries, as the client sent it (already validated). */
  filter: Record<string, unknown>;
  /** Failed or dead-lettered rows the filter matched so far. */
  matchedRows: number;
  /** Distinct requests to re-queue (known once collecting ends). */
  total: number;
  processed: number;
  requeued: number;
  /** Requests that were no longer failed or dead-lettered when their turn came (already retried, delivered). */
  skipped: number;
  error: string | null;
  cancelRequested: boolean;
  startedAt: number;
  heartbeatAt: number;
  finishedAt: number | null;
}

export interface RetryJobStore {
  /**
   * Records a new running job, first closing the installation's jobs whose heartbeat stopped before `staleBefore`
   * (their process died) with `abandonedError`. Returns null, or the id of the job still running if there is one.
   */
  createRetryJob(job: RetryJobRecord, staleBefore: number, abandonedError: string): Promise<string | null>;
  getRetryJob(installationUid: string, id: string): Promise<RetryJobRecord | null>;
  /** Writes the job's progress and state; resolves to whether a cancel has been asked for. */
  saveRetryJob(job: RetryJobRecord): Promise<boolean>;
  /** Asks the running job to stop between steps; returns the job, or null when it is not the installation's. */
  requestRetryJobCancel(installationUid: string, id: string): Promise<RetryJobRecord | null>;
  /** Deletes jobs that finished before `finishedBefore`. */
  forgetRetryJobs(finishedBefore: number): Promise<number>;
}

const COLUMNS = [
  "id",
  "installation_uid",
  "state",
  "filter",
  "matched_rows",
  "total",
  "processed",
  "requeued",
  "skipped",
  "error",
  "cancel_requested",
  "started_at",
  "heartbeat_at",
  "finished_at",
] as const;

const INSERT = `INSERT INTO retry_jobs (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`;
const ABANDON = `UPDATE retry_jobs SET state = 'failed', error = ?, finished_at = ?
  WHERE installation_uid = ? AND finished_at IS NULL AND heartbeat_at < ?`;
const RUNNING = "SELECT id FROM retry_jobs WHERE installation_uid = ? AND finished_at IS NULL";
const GET = "SELECT * FROM retry_jobs WHERE installation_uid = ? AND id = ?";
const SAVE = `UPDATE retry_jobs SET state = ?, matched_rows = ?, total = ?, processed = ?, requeued = ?, skipped = ?, error = ?,
  heartbeat_at = ?, finished_at = ? WHERE id = ? RETURNING cancel_requested`;
const CANCEL = "UPDATE retry_jobs SET cancel_requested = 1 WHERE installation_uid = ? AND id = ? AND finished_at IS NULL";
const FORGET = "DELETE FROM retry_jobs WHERE finished_at IS NOT NULL AND finished_at < ?";

function decode(row: Row): RetryJobRecord {
  const optional = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    id: String(row.id),
    installationUid: String(row.installation_uid),
    state: String(row.state) as RetryJobState,
    filter: JSON.parse(String(row.filter)) as Record<string, unknown>,
    matchedRows: Number(row.matched_rows),
    total: Number(row.total),
    processed: Number(row.processed),
    requeued: Number(row.requeued),
    skipped: Number(row.skipped),
    error: row.error === null || row.error === undefined ? null : String(row.error),
    cancelRequested: Number(row.cancel_requested) === 1,
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
    finishedAt: optional(row.finished_at),
  };
}

export function createRetryJobStore(sql: SqlRunner): RetryJobStore {
  const getRetryJob = async (installationUid: string, id: string) => {
    const [row] = await sql.all(GET, [installationUid, id]);
    return row ? decode(row) : null;
  };
  return {
    async createRetryJob(job, staleBefore, abandonedError) {
      await sql.run(ABANDON, [abandonedError, job.startedAt, job.installationUid, staleBefore]);
      // The running job may finish between a refused insert and the look-up: then try again.
      for (;;) {
        const inserted = await sql.run(INSERT, [
          job.id, job.installationUid, job.state, JSON.stringify(job.filter), job.matchedRows, job.total, job.processed,
          job.requeued, job.skipped, job.error, job.cancelRequested ? 1 : 0, job.startedAt, job.heartbeatAt, job.finishedAt,
        ]);
        if (inserted === 1) return null;
        const [running] = await sql.all(RUNNING, [job.installationUid]);
        if (running) return String(running.id);
      }
    },
    getRetryJob,
    async saveRetryJob(job) {
      const [row] = await sql.all(SAVE, [
        job.state, job.matchedRows, job.total, job.processed, job.requeued, job.skipped, job.error, job.heartbeatAt,
        job.finishedAt, job.id,
      ]);
      return row !== undefined && Number(row.cancel_requested) === 1;
    },
    async requestRetryJobCancel(installationUid, id) {
      await sql.run(CANCEL, [installationUid, id]);
      return getRetryJob(installationUid, id);
    },
    forgetRetryJobs: (finishedBefore) => sql.run(FORGET, [finishedBefore]),
  };
}
