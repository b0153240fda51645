import type { LogItem } from "./api";
import { STATUS_LABELS, STATUS_TONES } from "./log-format";

export function StatusTag({ status, testId = "log-status" }: { status: LogItem["status"]; testId?: string }) {
  return (
    <span className={`status-tag status-tag--${STATUS_TONES[status]}`} data-test-id={testId} data-status={status}>
      {STATUS_LABELS[status]}
    </span>
  );
}
