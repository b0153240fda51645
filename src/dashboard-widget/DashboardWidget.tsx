/**
 * The Stack Dashboard widget: delivery health of the last hour (delivered, failed, error rate, the latest error,
 * a sparkline of received events) and a link to the full sync log.
 */
import { useEffect } from "react";
import { Line, LineChart, ResponsiveContainer, Tooltip } from "recharts";
import { useLogSummary } from "../dashboard/api";
import { formatNumber, formatPercent } from "../dashboard/log-format";
import "../dashboard/sync-log.css";
import { useSdk } from "../sdk/hooks";
import type { UiLocation } from "../sdk/types";
import { formatWhen } from "../ui/format";
import { ErrorText, LoadingText } from "../ui/RemoteState";
import "./dashboard-widget.css";

const HOUR_MS = 3_600_000;
const REFRESH_MS = 30_000;

/**
 * Where "Open the sync log" leads. The URL of an app's full page inside Contentstack is not documented, so it is
 * a build setting (VITE_SYNC_LOG_URL, with {app}, {apiKey}, {appUid} and {installationUid} filled from the SDK);
 * without it the link is the full page's own path.
 */
export function syncLogHref(sdk: Pick<UiLocation, "endpoints" | "ids" | "appUID" | "installationUID">, template: string | undefined): string {
  if (!template) return "/sync-log";
  return template
    .replaceAll("{app}", sdk.endpoints.APP)
    .replaceAll("{apiKey}", sdk.ids.apiKey)
    .replaceAll("{appUid}", sdk.appUID)
    .replaceAll("{installationUid}", sdk.installationUID);
}

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
        <a className="link-button" href={syncLogHref(sdk, import.meta.env.VITE_SYNC_LOG_URL)} target="_top" data-test-id="widget-open-log">
          Open the sync log
        </a>
      </div>
      {summary.isPending && <LoadingText>Loading…</LoadingText>}
      {summary.isError && <ErrorText context="Could not load the sync health" error={summary.error} onRetry={() => void summary.refetch()} />}
      {summary.data && <Health summary={summary.data} />}
    </main>
  );
}

function Health({ summary }: { summary: NonNullable<ReturnType<typeof useLogSummary>["data"]> }) {
  const { delivered } = summary.funnel;
  const failed = summary.funnel.failed + summary.funnel.deadLettered;
  const last = summary.lastError;
  return (
    <>
      <dl className="widget__figures">
        <div data-test-id="widget-delivered" data-count={delivered}>
          <dt>Delivered</dt>
          <dd>{formatNumber(delivered)}</dd>
        </div>
        <div data-test-id="widget-failed" data-count={failed} className={failed ? "widget__figure--bad" : undefined}>
          <dt>Failed</dt>
          <dd>{formatNumber(failed)}</dd>
        </div>
        <div data-test-id="widget-error-rate">
          <dt>Error rate</dt>
          <dd>{formatPercent(failed, delivered + failed)}</dd>
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
