/**
 * Retry every failed or dead-lettered row the current filter matches, as a server job. It first says what it will
 * touch (how many deliveries, under which filter and period) and asks for confirmation; then progress, a cancel
 * button, and the outcome. Rows already re-queued or delivered are skipped, so pressing it twice is safe.
 */
import { useState } from "react";
import { ActionButton } from "../ui/ActionButton";
import { useCancelBulkRetry, useLogSummary, useRetryJob, useStartBulkRetry } from "./api";
import { formatNumber } from "./log-format";
import { describeFilters, type LogFilters } from "./log-filters";

const REFRESH_MS = 15_000;

export function BulkRetry({ filters }: { filters: LogFilters }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const start = useStartBulkRetry();
  const cancel = useCancelBulkRetry();
  // The same query as the summary's, so the count is the one the cards show.
  const summary = useLogSummary({ filters }, REFRESH_MS).data;
  const job = useRetryJob(jobId).data ?? (start.data?.id === jobId ? start.data : undefined);
  const running = job !== undefined && job.finishedAt === null;
  const deliveries = summary ? summary.requests.failed + summary.requests.deadLettered : 0;
  const events = summary ? summary.funnel.failed + summary.funnel.deadLettered : 0;
  // The job covers exactly the period the count covers: the summary's, when the filter sets no start.
  const scope: LogFilters | null = summary ? { ...filters, from: filters.from || new Date(summary.from).toISOString() } : null;

  return (
    <div className="bulk-retry" data-test-id="bulk-retry">
      <ActionButton
        buttonType="secondary"
        disabled={running || !summary || deliveries + events === 0}
        onClick={() => setConfirming(true)}
        testId="bulk-retry-start"
      >
        {summary && deliveries + events === 0 ? "Nothing to retry" : "Retry failed…"}
      </ActionButton>
      {confirming && scope && (
        <div className="bulk-retry__confirm" role="alertdialog" aria-label="Confirm retry" data-test-id="bulk-retry-confirm-panel">
          <span data-test-id="bulk-retry-scope" data-count={deliveries}>
            Re-send {formatNumber(deliveries)} failed or dead-lettered deliver{deliveries === 1 ? "y" : "ies"} ({formatNumber(events)} event
            {events === 1 ? "" : "s"}) matching {describeFilters(scope)}?
          </span>
          <ActionButton
            buttonType="primary"
            isLoading={start.isPending}
            onClick={() =>
              start.mutate(scope, {
                onSuccess: (started) => {
                  setJobId(started.id);
                  setConfirming(false);
                },
              })
            }
            testId="bulk-retry-confirm"
          >
            Retry
          </ActionButton>
          <ActionButton buttonType="tertiary" onClick={() => setConfirming(false)} testId="bulk-retry-dismiss">
            Cancel
          </ActionButton>
        </div>
      )}
      {job && (
        <div className="bulk-retry__status" role="status" data-test-id="bulk-retry-progress" data-state={job.state}>
          {running ? (
            <>
              <progress max={Math.max(job.total, 1)} value={job.processed} aria-label="Retry progress" />
              <span>
                {job.state === "collecting"
                  ? `Finding failed rows… ${formatNumber(job.matchedRows)} so far`
                  : `Re-queued ${formatNumber(job.requeued)} of ${formatNumber(job.total)}`}
              </span>
              <ActionButton buttonType="tertiary" isLoading={cancel.isPending} onClick={() => cancel.mutate(job.id)} testId="bulk-retry-cancel">
                Cancel
              </ActionButton>
            </>
          ) : (
            <span data-test-id="bulk-retry-result">
              {job.state === "failed"
                ? `Retry stopped: ${job.error}`
                : `${job.state === "cancelled" ? "Cancelled: " : ""}re-queued ${formatNumber(job.requeued)} of ${formatNumber(job.total)} deliver${job.total === 1 ? "y" : "ies"}` +
                  (job.skipped ? ` (${formatNumber(job.skipped)} were no longer failed)` : "")}
            </span>
          )}
        </div>
      )}
    </div>
  );
}
