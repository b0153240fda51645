/**
 * Alerts in the log: the conditions that hold now (since when), then the history of what fired and recovered and
 * whether the webhook notice went out. The state is the store's, so every API process shows the same.
 */
import { Section } from "../ui/Section";
import { useAlerts } from "./api";
import { formatDateTime } from "./log-format";

const REFRESH_MS = 15_000;

export function AlertsPanel() {
  const alerts = useAlerts(REFRESH_MS).data;
  if (!alerts || (alerts.history.length === 0 && alerts.active.length === 0)) return null;
  const title = alerts.active.length ? `Alerts · ${alerts.active.length} active` : "Alerts · none active";
  return (
    <Section title={title} defaultOpen={alerts.active.length > 0} testId="alerts-section">
      {alerts.active.length > 0 && (
        <ul className="alert-active" data-test-id="alert-active">
          {alerts.active.map((alert) => (
            <li key={alert.condition}>
              <strong>{alert.title}</strong> since <time dateTime={new Date(alert.since).toISOString()}>{formatDateTime(alert.since)}</time>: {alert.message}
            </li>
          ))}
        </ul>
      )}
      <ol className="alert-history" data-test-id="alert-history" aria-label="Alert history, newest first">
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
