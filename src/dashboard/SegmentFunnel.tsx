/**
 * Segment's side of the funnel beside ours, for the same window: what Segment's delivery overview says happened
 * before Segment called us (received, filtered at source, failed on ingest, filtered at destination, failed
 * delivery, delivered to us), then what we did with it (accepted, filtered, delivered to Personalize). Each of our
 * stages links into the rows. Shown only once a Public API token is saved and a source is connected; Segment's
 * numbers are refreshed once a minute (the server caches them too, for the Public API's rate limits).
 */
import "./segment-funnel.css";
import { useQuery } from "@tanstack/react-query";
import type { SegmentFunnel as SegmentFunnelData, SegmentFunnelStage } from "../shared/segment-connect";
import { useApi } from "../sdk/hooks";
import { formatNumber } from "./log-format";
import type { LogFilters } from "./log-filters";
import { Section } from "../ui/Section";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const SEGMENT_STAGES: Array<[SegmentFunnelStage, string]> = [
  ["successfullyReceived", "Received by Segment"],
  ["filteredAtSource", "Filtered at source"],
  ["failedOnIngest", "Failed on ingest"],
  ["filteredAtDestination", "Filtered at destination"],
  ["failedDelivery", "Failed delivery to us"],
  ["successfulDelivery", "Delivered to us"],
];

/** The window in whole minutes, so reloads within a minute reuse Segment's answer. */
export function funnelWindow(period: { from: string; to: string }, now: number): { from: number; to: number } {
  const to = period.to ? Date.parse(period.to) : Math.ceil(now / MINUTE_MS) * MINUTE_MS;
  const from = period.from ? Date.parse(period.from) : to - DAY_MS;
  return { from: Math.floor(from / MINUTE_MS) * MINUTE_MS, to };
}

interface SegmentFunnelProps {
  period: { from: string; to: string };
  onShowRows: (filters: Partial<LogFilters>) => void;
}

export function SegmentFunnel({ period, onShowRows }: SegmentFunnelProps) {
  const api = useApi();
  const span = funnelWindow(period, Date.now());
  const funnel = useQuery({
    queryKey: ["segment-funnel", span.from, span.to],
    queryFn: ({ signal }) => api.get<SegmentFunnelData>(`/api/segment/funnel?from=${span.from}&to=${span.to}`, signal),
    refetchInterval: MINUTE_MS,
    staleTime: MINUTE_MS,
  });
  const data = funnel.data;
  if (!data || (data.destinations.length === 0 && !data.problem)) return null;
  const rowsIn = { from: new Date(data.window.from).toISOString(), to: new Date(data.window.to).toISOString() };
  const ours: Array<[string, string, number, Partial<LogFilters>]> = [
    ["accepted", "Accepted by us", data.ours.received - data.ours.rejected - data.ours.deduplicated, { direction: ["inbound"] }],
    ["filtered", "Filtered by our mappings", data.ours.filtered, { direction: ["inbound"], status: ["filtered"] }],
    ["delivered", "Delivered to Personalize", data.ours.delivered, { direction: ["inbound"], status: ["delivered"] }],
  ];

  return (
    // Collapsed at first, so that the log's first rows stay above the fold.
    <Section title="Segment → us → Personalize" defaultOpen={false} testId="segment-funnel-section">
      <section className="segment-funnel" aria-label="Segment's side of the funnel" data-test-id="segment-funnel">
        {data.problem && (
          <p className="remote-state remote-state--error" role="alert" data-test-id="segment-funnel-problem">
            Segment&apos;s delivery overview: {data.problem.message}
            {data.problem.missingRole ? `; add the ${data.problem.missingRole} role to the token` : ""}
          </p>
        )}
        {data.destinations.map((destination) => (
          <div key={destination.destinationId} className="segment-funnel__row" data-test-id={`segment-funnel-${destination.sourceId}`}>
            <p className="hint">
              In Segment, source <strong>{destination.sourceName}</strong> to this app&apos;s destination, {new Date(data.window.from).toLocaleString()} – {new Date(data.window.to).toLocaleString()}
            </p>
            <ol className="funnel">
              {SEGMENT_STAGES.map(([stage, label]) => (
                <li key={stage} className="funnel__stage funnel__stage--segment" data-test-id={`segment-stage-${stage}`} data-count={destination.stages[stage]}>
                  <span className="funnel__label">{label}</span>
                  <strong className="funnel__count">{formatNumber(destination.stages[stage])}</strong>
                </li>
              ))}
            </ol>
          </div>
        ))}
        <p className="hint">In this app, same window:</p>
        <ol className="funnel" aria-label="Our side, same window">
          {ours.map(([id, label, count, filters]) => (
            <li key={id} className="funnel__stage" data-test-id={`our-stage-${id}`} data-count={count}>
              <span className="funnel__label">{label}</span>
              <strong className="funnel__count">{formatNumber(count)}</strong>
              <button type="button" className="link-button" onClick={() => onShowRows({ ...filters, ...rowsIn })} data-test-id={`our-stage-${id}-rows`}>
                Show rows
              </button>
            </li>
          ))}
        </ol>
        <p className="hint">Segment&apos;s numbers as of {new Date(data.fetchedAt).toLocaleTimeString()}; Segment may report with a few minutes&apos; delay.</p>
      </section>
    </Section>
  );
}
