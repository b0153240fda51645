/** Alert history in the log: what fired and recovered, and whether the webhook notice went out. */
import { Section } from "../ui/Section";
import { useAlerts } from "./api";
import { formatDateTime } from "./log-format";

const REFRESH_MS = 15_000;

export function AlertsPanel() {
  const alerts = useAlerts(REFRESH_MS).data;
  if (!alerts || alerts.history.length === 0) return null;
  const title = alerts.active.length ? `Alerts · ${alerts.active.length} active` : "Alerts · none active";
  return (
    <Section title={title} defaultOpen={alerts.active.length > 0} testId="alerts-section">
      <ol className="alert-history" data-test-id="alert-history">
        {alerts.history.map((notice) => (
          <li key={`${notice.at}-${notice.condition}-${notice.state}`} className={`alert-history__item alert-history__item--${notice.state}`}>
            <time dateTime={new Date(notice.at).toISOString()}>{formatDateTime(notice.at)}</time>{" "}
            <strong>{notice.state === "firing" ? `${notice.title} started` : `${notice.title} recovered`}</strong>: {notice.message}
            <span className="hint"> · webhook: {notice.delivery}</span>
          </li>
        ))}
      </ol>
    </Section>
  );
}
