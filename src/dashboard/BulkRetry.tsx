/**
 * Retry every failed or dead-lettered row the current filter matches, as a server job: progress while it runs, a
 * cancel button, and the outcome. Rows already re-queued or delivered are skipped, so pressing it twice is safe.
 */
import { useState } from "react";
import { ActionButton } from "../ui/ActionButton";
import { useCancelBulkRetry, useRetryJob, useStartBulkRetry } from "./api";
import { formatNumber } from "./log-format";
import type { LogFilters } from "./log-filters";

export function BulkRetry({ filters }: { filters: LogFilters }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useStartBulkRetry();
  const cancel = useCancelBulkRetry();
  const job = useRetryJob(jobId).data ?? (start.data?.id === jobId ? start.data : undefined);
  const running = job !== undefined && job.finishedAt === null;

  return (
    <div className="bulk-retry" data-test-id="bulk-retry">
      <ActionButton
        buttonType="secondary"
        isLoading={start.isPending}
        disabled={running}
        onClick={() => start.mutate(filters, { onSuccess: (started) => setJobId(started.id) })}
        testId="bulk-retry-start"
      >
        Retry failed
      </ActionButton>
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
