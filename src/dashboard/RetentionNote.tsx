import { useRetention } from "./api";
import { formatDateTime, formatNumber } from "./log-format";

/** What the log keeps: the installation's retention settings and what is stored now. */
export function RetentionNote() {
  const retention = useRetention();
  if (!retention.data) return null;
  const { days, maxRows, rows, oldestAt } = retention.data;
  return (
    <p
      className="hint retention-note"
      data-test-id="retention-note"
      data-rows={rows}
      title="Older rows are removed in the background; change it under Sync log retention in the app configuration."
    >
      {formatNumber(rows)} rows stored{oldestAt ? ` since ${formatDateTime(oldestAt)}` : ""}; keeps {days} day{days === 1 ? "" : "s"} or{" "}
      {formatNumber(maxRows)} rows, whichever is less.
    </p>
  );
}
