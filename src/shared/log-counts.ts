/**
 * The one definition of each sync-log count, shared by the summary (cards, funnel, charts, top errors), the
 * dashboard widget and the export: which stored (direction, status) pairs each count adds up, and the words the
 * UI uses for them. Anything that counts rows builds on this module, so that two screens never disagree.
 */

export type LogDirectionName = "inbound" | "personalize" | "segment";

/** Rows of one kind: in any of these directions and in any of these statuses. */
export interface RowKind {
  directions: readonly LogDirectionName[];
  statuses: readonly string[];
}

export interface StatusCount {
  direction: LogDirectionName;
  status: string;
  count: number;
}

const INBOUND = ["inbound"] as const;
const OUTBOUND = ["personalize", "segment"] as const;

/** The funnel of received events: each stage counts inbound rows (one per event) in these statuses. */
export const EVENT_STAGES = {
  received: null,
  rejected: ["rejected"],
  deduplicated: ["deduplicated"],
  filtered: ["filtered"],
  pending: ["queued", "processing", "pending_retry"],
  delivered: ["delivered"],
  failed: ["failed"],
  deadLettered: ["dead_lettered"],
} as const satisfies Record<string, readonly string[] | null>;

export type EventCounts = Record<keyof typeof EVENT_STAGES, number>;

/** Requests the app made (to Personalize and, two-way, to Segment): one outbound row each. */
export const REQUEST_STAGES = {
  total: null,
  pending: ["pending", "in_flight", "pending_retry"],
  delivered: ["delivered"],
  failed: ["failed"],
  deadLettered: ["dead_lettered"],
} as const satisfies Record<string, readonly string[] | null>;

export type RequestCounts = Record<keyof typeof REQUEST_STAGES, number>;

/**
 * Where an error is counted, once: a refused event on its inbound row, a failed call on the request's row (the
 * events it carried repeat the same error and are not counted again).
 */
export const ERROR_KINDS: readonly RowKind[] = [
  { directions: INBOUND, statuses: ["rejected"] },
  { directions: OUTBOUND, statuses: ["pending_retry", "failed", "dead_lettered"] },
];

/** Why accepted events were not sent. */
export const DISCARD_KINDS: readonly RowKind[] = [{ directions: INBOUND, statuses: ["filtered", "deduplicated"] }];

/** Staged events (acknowledged, not yet in the log) count as received and pending, when no filter excludes them. */
export function countEvents(counts: readonly StatusCount[], staged: number): EventCounts {
  const sum = (statuses: readonly string[] | null) =>
    counts
      .filter((c) => c.direction === "inbound" && (statuses === null || statuses.includes(c.status)))
      .reduce((total, c) => total + c.count, 0);
  const result = {} as EventCounts;
  for (const [stage, statuses] of Object.entries(EVENT_STAGES) as Array<[keyof EventCounts, readonly string[] | null]>) {
    result[stage] = sum(statuses);
  }
  result.received += staged;
  result.pending += staged;
  return result;
}

export function countRequests(counts: readonly StatusCount[]): RequestCounts {
  const sum = (statuses: readonly string[] | null) =>
    counts
      .filter((c) => c.direction !== "inbound" && (statuses === null || statuses.includes(c.status)))
      .reduce((total, c) => total + c.count, 0);
  const result = {} as RequestCounts;
  for (const [stage, statuses] of Object.entries(REQUEST_STAGES) as Array<[keyof RequestCounts, readonly string[] | null]>) {
    result[stage] = sum(statuses);
  }
  return result;
}

/** Events that did not reach Personalize because something went wrong: refused, failed or dead-lettered. */
export function problemEvents(events: EventCounts): number {
  return events.rejected + events.failed + events.deadLettered;
}

/** Share of settled events that went wrong; null when none settled. */
export function errorRate(events: EventCounts): number | null {
  const problems = problemEvents(events);
  const settled = events.delivered + problems;
  return settled === 0 ? null : problems / settled;
}

/** `kind` narrowed by a filter's directions and statuses; null when the filter leaves nothing of it. */
export function narrowKind(kind: RowKind, filter: { directions?: readonly string[]; statuses?: readonly string[] }): RowKind | null {
  const directions = filter.directions?.length ? kind.directions.filter((d) => filter.directions!.includes(d)) : kind.directions;
  const statuses = filter.statuses?.length ? kind.statuses.filter((s) => filter.statuses!.includes(s)) : kind.statuses;
  return directions.length && statuses.length ? { directions, statuses } : null;
}

/** The words the UI uses for stored statuses and directions; the export uses the same ones. */
export const STATUS_LABELS = {
  queued: "Received",
  processing: "Processing",
  pending: "Queued",
  in_flight: "Sending",
  pending_retry: "Pending retry",
  delivered: "Delivered",
  filtered: "Filtered",
  deduplicated: "Deduplicated",
  rejected: "Rejected",
  failed: "Failed",
  dead_lettered: "Dead-lettered",
} as const;

export const DIRECTION_LABELS: Record<LogDirectionName, string> = {
  inbound: "Segment → app",
  personalize: "App → Personalize",
  segment: "App → Segment",
};
