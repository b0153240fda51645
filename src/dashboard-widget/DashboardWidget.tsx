/**
 * The Stack Dashboard widget: delivery health of the last hour (delivered, failed, error rate, the latest error,
 * a sparkline of received events) and where to find the full sync log.
 */
import { useEffect } from "react";
import { Line, LineChart, ResponsiveContainer, Tooltip } from "recharts";
import { useAlerts, useLogSummary } from "../dashboard/api";
import { formatNumber, formatPercent } from "../dashboard/log-format";
import "../dashboard/sync-log.css";
import { useSdk } from "../sdk/hooks";
import { errorRate, problemEvents } from "../shared/log-counts";
import { formatWhen } from "../ui/format";
import { ErrorText, LoadingText } from "../ui/RemoteState";
import "./dashboard-widget.css";

const HOUR_MS = 3_600_000;
const REFRESH_MS = 30_000;

export function DashboardWidget() {
  const sdk = useSdk();
  const summary = useLogSummary({ lastMs: HOUR_MS }, REFRESH_MS);
  useEffect(() => {
    sdk.location.DashboardWidget?.frame.enableAutoResizing();
  }, [sdk]);

  return (
    <main className="widget" data-test-id="widget">
      <div className="widget__header">
        <h1>Segment sync · last hour</h1>
        {/*
          The app-sdk (2.3.6) offers no way to open another location, and the URL of an app's full page inside
          Contentstack is not documented; a link would navigate the frame or the window out of Contentstack. So the
          widget names where the full page is instead.
        */}
        <p className="hint" data-test-id="widget-where-log">
          Every event is in <strong>Segment sync log</strong> in the stack&apos;s left navigation.
        </p>
      </div>
      {summary.isPending && <LoadingText>Loading…</LoadingText>}
      {summary.isError && <ErrorText context="Could not load the sync health" error={summary.error} onRetry={() => void summary.refetch()} />}
      <ActiveAlerts />
      {summary.data && <Health summary={summary.data} />}
    </main>
  );
}

function ActiveAlerts() {
  const alerts = useAlerts(REFRESH_MS).data;
  if (!alerts?.active.length) return null;
  return (
    <ul className="widget__alerts" data-test-id="widget-alerts" aria-label="Active alerts">
      {alerts.active.map((alert) => (
        <li key={alert.condition} data-condition={alert.condition}>
          <strong>{alert.title}</strong> since {formatWhen(alert.since)}: {alert.message}
        </li>
      ))}
    </ul>
  );
}

function Health({ summary }: { summary: NonNullable<ReturnType<typeof useLogSummary>["data"]> }) {
  const { delivered } = summary.funnel;
  const failed = problemEvents(summary.funnel);
  const rate = errorRate(summary.funnel);
  const last = summary.lastError;
  return (
    <>
      <dl className="widget__figures">
        <div data-test-id="widget-delivered" data-count={delivered}>
          <dt>Delivered</dt>
          <dd>{formatNumber(delivered)}</dd>
        </div>
        <div data-test-id="widget-failed" data-count={failed} className={failed ? "widget__figure--bad" : undefined}>
          <dt>Rejected or failed</dt>
          <dd>{formatNumber(failed)}</dd>
        </div>
        <div data-test-id="widget-error-rate" data-rate={rate ?? ""}>
          <dt>Error rate</dt>
          <dd>{rate === null ? "–" : formatPercent(failed, delivered + failed)}</dd>
        </div>
      </dl>
      <figure className="widget__sparkline" data-test-id="widget-sparkline" aria-label="Events received per minute, last hour">
        <ResponsiveContainer width="100%" height={48}>
          <LineChart data={summary.buckets.map((bucket) => ({ received: bucket.received, failed: bucket.failed }))}>
            <Tooltip formatter={(value) => formatNumber(Number(value))} labelFormatter={() => ""} />
            <Line type="monotone" dataKey="received" name="Received" stroke="#6c5ce7" dot={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="failed" name="Failed" stroke="#c0392b" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <p className="widget__last-error" data-test-id="widget-last-error">
        {last ? (
          <>
            Last error {formatWhen(last.updatedAt)}: <span className="widget__error">{last.error}</span>
          </>
        ) : (
          "No errors so far."
        )}
      </p>
    </>
  );
}
