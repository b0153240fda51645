/**
 * Segment's side of the funnel for this installation's connected destinations: the six delivery-overview stages
 * (beta, `v1beta`) for one window. Granularity follows Segment's limits (segment.md §8): MINUTE for windows up to
 * 4 hours, HOUR up to 14 days, else DAY (30 days at most). Answers come through the client's cache, and the
 * route caches whole results, so reloading the log page does not spend the Public API's budget.
 */
import { SEGMENT_FUNNEL_STAGES, type SegmentFunnel, type SegmentFunnelDestination, type SegmentFunnelStage } from "../../src/shared/segment-connect.ts";
import type { PublicApi } from "./client.ts";
import { listOurDestinations } from "./connection.ts";

const HOUR_MS = 3_600_000;
/** Six delivery-overview calls each: keep well inside the Public API's budget. */
const MAX_DESTINATIONS = 10;

const STAGE_PATHS: Record<SegmentFunnelStage, string> = {
  successfullyReceived: "successfully-received",
  filteredAtSource: "filtered-at-source",
  failedOnIngest: "failed-on-ingest",
  filteredAtDestination: "filtered-at-destination",
  failedDelivery: "failed-delivery",
  successfulDelivery: "successful-delivery",
};

/** The finest granularity Segment allows for the window: MINUTE needs ≤ 4 h starting within 48 h, HOUR ≤ 14 days. */
export function granularityFor(window: { from: number; to: number }, now: number): SegmentFunnel["window"]["granularity"] {
  const span = window.to - window.from;
  if (span <= 4 * HOUR_MS && window.from >= now - 48 * HOUR_MS) return "MINUTE";
  if (span <= 14 * 24 * HOUR_MS) return "HOUR";
  return "DAY";
}

export async function segmentFunnelStages(
  api: PublicApi,
  context: { metadataId: string; installationUid: string },
  window: { from: number; to: number },
): Promise<SegmentFunnelDestination[]> {
  const ours = [...(await listOurDestinations(api, context.metadataId, context.installationUid)).values()].slice(0, MAX_DESTINATIONS);
  if (ours.length === 0) return [];
  const names = new Map((await api.list<{ id: string; name: string }>("/sources", "sources")).map((source) => [source.id, source.name]));
  const granularity = granularityFor(window, Date.now());
  const result: SegmentFunnelDestination[] = [];
  for (const destination of ours) {
    const source = { id: destination.sourceId, name: names.get(destination.sourceId) ?? destination.sourceId };
    const params = new URLSearchParams({
      sourceId: source.id,
      destinationConfigId: destination.id,
      startTime: new Date(window.from).toISOString(),
      endTime: new Date(window.to).toISOString(),
      granularity,
    });
    const totals = await Promise.all(
      SEGMENT_FUNNEL_STAGES.map(async (stage) => {
        const data = await api.get<{ total?: number }>(`/delivery-overview/${STAGE_PATHS[stage]}?${params}`, "v1beta");
        return [stage, Number(data?.total ?? 0)] as const;
      }),
    );
    result.push({
      sourceId: source.id,
      sourceName: source.name,
      destinationId: destination.id,
      stages: Object.fromEntries(totals) as Record<SegmentFunnelStage, number>,
    });
  }
  return result;
}
