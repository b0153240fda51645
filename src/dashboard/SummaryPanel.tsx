/**
 * The period at a glance: the funnel of received events with counts and shares, throughput, success rate and p95
 * request latency over time, and the most frequent errors and filter reasons with sample rows to open.
 */
import { Area, AreaChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ReactElement } from "react";
import { ErrorText, LoadingText } from "../ui/RemoteState";
import { Section } from "../ui/Section";
import { useLogSummary, type LogSummary } from "./api";
import type { LogFilters } from "./log-filters";
import { formatMs, formatNumber, formatPercent } from "./log-format";

type ErrorGroup = LogSummary["topErrors"][number];

interface SummaryPanelProps {
  filters: LogFilters;
  onOpen: (id: number) => void;
  onFilterError: (error: string) => void;
}

const REFRESH_MS = 15_000;

export function SummaryPanel({ filters, onOpen, onFilterError }: SummaryPanelProps) {
  const summary = useLogSummary({ filters }, REFRESH_MS);
  if (summary.isPending) return <LoadingText>Loading the summary…</LoadingText>;
  if (summary.isError) return <ErrorText context="Could not load the summary" error={summary.error} onRetry={() => void summary.refetch()} />;
  const data = summary.data;
  return (
    <section className="summary" data-test-id="log-summary" aria-label="Summary">
      <Funnel summary={data} />
      <Section title={`Charts and top errors · ${periodText(data)}`} defaultOpen={false} testId="summary-section">
        <p className="hint">
          Delivery p95 {formatMs(data.latency.deliveryP95Ms)} from receipt, request p95 {formatMs(data.latency.requestP95Ms)}
          {chartSpanText(data)}
        </p>
        <div className="summary__charts">
          <Chart title="Throughput (events per bucket)" testId="summary-chart-throughput">
            <AreaChart data={chartData(data)}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="time" minTickGap={24} />
              <YAxis allowDecimals={false} width={40} />
              <Tooltip />
              <Area type="monotone" dataKey="received" name="Received" stroke="#6c5ce7" fill="#e5e1fb" isAnimationActive={false} />
              <Area type="monotone" dataKey="delivered" name="Delivered" stroke="#007a52" fill="#d9f2e8" isAnimationActive={false} />
              <Area type="monotone" dataKey="failed" name="Rejected or failed" stroke="#c0392b" fill="#fbe1de" isAnimationActive={false} />
            </AreaChart>
          </Chart>
          <Chart title="Success rate" testId="summary-chart-success">
            <LineChart data={chartData(data)}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="time" minTickGap={24} />
              <YAxis domain={[0, 100]} unit="%" width={48} />
              <Tooltip />
              <Line type="monotone" dataKey="successRate" name="Success rate (%)" stroke="#007a52" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
            </LineChart>
          </Chart>
          <Chart title="p95 request latency" testId="summary-chart-latency">
            <LineChart data={chartData(data)}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="time" minTickGap={24} />
              <YAxis unit=" ms" width={64} />
              <Tooltip />
              <Line type="monotone" dataKey="p95LatencyMs" name="p95 latency (ms)" stroke="#6c5ce7" dot={{ r: 2 }} connectNulls isAnimationActive={false} />
            </LineChart>
          </Chart>
        </div>
        <div className="summary__groups">
          <ErrorGroups title="Top errors" groups={data.topErrors} testId="summary-top-errors" onOpen={onOpen} onFilter={onFilterError} />
          <ErrorGroups title="Why events were not sent" groups={data.filterReasons} testId="summary-filter-reasons" onOpen={onOpen} onFilter={onFilterError} />
        </div>
      </Section>
    </section>
  );
}

const periodFormat = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });

function periodText(summary: LogSummary): string {
  return `${periodFormat.format(summary.from)} – ${periodFormat.format(summary.to)}`;
}

/** The charts may begin later than the period (nothing was logged before): say so, so the axis is not misread. */
function chartSpanText(summary: LogSummary): string {
  return summary.chartFrom > summary.from ? `; charts from ${periodFormat.format(summary.chartFrom)}, nothing was logged earlier in this period` : "";
}

function chartData(summary: LogSummary) {
  const time = new Intl.DateTimeFormat(
    "en",
    summary.bucketMs >= 86_400_000
      ? { month: "short", day: "numeric" }
      : { hour: "2-digit", minute: "2-digit", ...(summary.bucketMs < 60_000 ? { second: "2-digit" } : {}), hour12: false },
  );
  return summary.buckets.map((bucket) => ({
    time: time.format(bucket.start),
    received: bucket.received,
    delivered: bucket.delivered,
    failed: bucket.failed,
    successRate: bucket.successRate === null ? null : Math.round(bucket.successRate * 1000) / 10,
    p95LatencyMs: bucket.p95LatencyMs,
  }));
}

function Funnel({ summary }: { summary: LogSummary }) {
  const { funnel } = summary;
  const stages: Array<[id: string, label: string, count: number]> = [
    ["received", "Received", funnel.received],
    ["rejected", "Rejected", funnel.rejected],
    ["deduplicated", "Deduplicated", funnel.deduplicated],
    ["filtered", "Filtered", funnel.filtered],
    ["pending", "Pending", funnel.pending],
    ["delivered", "Delivered", funnel.delivered],
    ["failed", "Failed", funnel.failed],
    ["dead-lettered", "Dead-lettered", funnel.deadLettered],
  ];
  return (
    <ol className="funnel" aria-label="Events in this period" data-test-id="summary-funnel">
      {stages.map(([id, label, count]) => (
        <li key={id} className={`funnel__stage funnel__stage--${id}`} data-test-id={`summary-funnel-${id}`} data-count={count}>
          <span className="funnel__label">{label}</span>
          <strong className="funnel__count">{formatNumber(count)}</strong>
          <span className="funnel__share">{id === "received" ? "events" : formatPercent(count, funnel.received)}</span>
        </li>
      ))}
      <li className="funnel__stage funnel__stage--requests" data-test-id="summary-requests">
        <span className="funnel__label" title="Calls the app made: to Personalize and, with two-way sync, to Segment">
          Requests made
        </span>
        <strong className="funnel__count">{formatNumber(summary.requests.total)}</strong>
        <span className="funnel__share">{requestBreakdown(summary.requests)}</span>
      </li>
    </ol>
  );
}

/** Every request counted once: "7 delivered, 5 pending, 3 failed" adds up to the total shown above it. */
function requestBreakdown(requests: LogSummary["requests"]): string {
  const parts: Array<[number, string]> = [
    [requests.delivered, "delivered"],
    [requests.pending, "pending"],
    [requests.failed + requests.deadLettered, "failed"],
  ];
  return parts
    .filter(([count, word]) => count > 0 || word !== "pending")
    .map(([count, word]) => `${formatNumber(count)} ${word}`)
    .join(", ");
}

function Chart({ title, testId, children }: { title: string; testId: string; children: ReactElement }) {
  return (
    <figure className="chart" data-test-id={testId}>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={160}>
        {children}
      </ResponsiveContainer>
    </figure>
  );
}

interface ErrorGroupsProps {
  title: string;
  groups: ErrorGroup[];
  testId: string;
  onOpen: (id: number) => void;
  onFilter: (error: string) => void;
}

function ErrorGroups({ title, groups, testId, onOpen, onFilter }: ErrorGroupsProps) {
  return (
    <section className="error-groups" data-test-id={testId} aria-label={title}>
      <h3>{title}</h3>
      {groups.length === 0 ? (
        <p className="hint">None in this period.</p>
      ) : (
        <table className="error-groups__table">
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Count</th>
              <th scope="col">Samples</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((group) => (
              <tr key={group.error} data-test-id={`${testId}-row`}>
                <td>
                  <button type="button" className="link-button" onClick={() => onFilter(group.error)} title="Show only rows with this error">
                    {group.error}
                  </button>
                </td>
                <td>{formatNumber(group.count)}</td>
                <td>
                  {group.sampleIds.map((id) => (
                    <button key={id} type="button" className="link-button sample" onClick={() => onOpen(id)} aria-label={`Open sample row ${id}`}>
                      #{id}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
