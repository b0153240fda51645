/**
 * Everything the detail drawer shows for one row: the row (secrets masked), its attempts, the rows on the other
 * side (an event's requests with their attempts, or a request's events), a timeline from receipt to the final
 * status, and the user's other recent rows. Every read is scoped to the installation.
 */
import type { DeliveryAttempt, LogRow, Store } from "../store/types.ts";
import { linkedIds, toLogEntry, toLogItem, type LogEntry, type LogItem } from "./log-view.ts";

export type AttemptView = Omit<DeliveryAttempt, "id" | "logId">;

export interface RelatedEntry extends LogEntry {
  attempts: AttemptView[];
}

export interface TimelineEntry {
  at: number;
  kind: "received" | "rejected" | "deduplicated" | "filtered" | "queued" | "attempt" | "next_attempt" | "final";
  label: string;
  logId: number;
  status?: LogRow["status"];
  httpStatus?: number | null;
  latencyMs?: number;
  error?: string | null;
}

export interface LogEntryDetail {
  row: LogEntry;
  attempts: AttemptView[];
  related: RelatedEntry[];
  timeline: TimelineEntry[];
  userEvents: LogItem[];
}

const USER_EVENTS_SHOWN = 10;

const attemptView = ({ id: _id, logId: _logId, ...attempt }: DeliveryAttempt): AttemptView => attempt;

export async function loadLogDetail(store: Store, installationUid: string, id: number): Promise<LogEntryDetail | null> {
  const [row] = await store.getLogRows(installationUid, [id]);
  if (!row) return null;
  const inbound = row.direction === "inbound";
  const relatedRows = (await store.getLogRows(installationUid, linkedIds(row, inbound ? "outboundIds" : "eventIds"))).reverse();
  const requests = inbound ? relatedRows : [row];
  const attemptsOf = new Map<number, DeliveryAttempt[]>();
  for (const request of requests) attemptsOf.set(request.id, await store.getAttempts(installationUid, request.id));
  const userRows = row.userId ? await store.queryLog({ installationUid, userId: row.userId, limit: USER_EVENTS_SHOWN + 1 }) : [];

  return {
    row: toLogEntry(row),
    attempts: (attemptsOf.get(row.id) ?? []).map(attemptView),
    related: relatedRows.map((related) => ({ ...toLogEntry(related), attempts: (attemptsOf.get(related.id) ?? []).map(attemptView) })),
    timeline: buildTimeline(row, inbound ? [row] : relatedRows, requests, attemptsOf),
    userEvents: userRows.filter((other) => other.id !== row.id).slice(0, USER_EVENTS_SHOWN).map(toLogItem),
  };
}

const SETTLED_WITHOUT_REQUEST = new Set(["rejected", "deduplicated", "filtered"]);

function requestLine(request: LogRow): string {
  const payload = request.payload as { method?: string; url?: string } | null;
  const path = payload?.url && URL.canParse(payload.url) ? new URL(payload.url).pathname : null;
  const target = request.direction === "personalize" ? "Personalize" : "Segment";
  return `${[payload?.method, path].filter(Boolean).join(" ") || "Request"} to ${target}`;
}

/** received → (filtered | queued → attempts → next attempt) → final status, in time order. */
function buildTimeline(
  row: LogRow,
  events: LogRow[],
  requests: LogRow[],
  attemptsOf: Map<number, DeliveryAttempt[]>,
): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const [first] = events;
  if (first) {
    const what = [first.eventType, first.eventName].filter(Boolean).join(" ") || "event";
    const more = events.length > 1 ? ` (and ${events.length - 1} more event${events.length > 2 ? "s" : ""} in this request)` : "";
    entries.push({ at: first.createdAt, kind: "received", label: `Received ${what} from Segment${more}`, logId: first.id });
  }
  for (const event of events) {
    if (SETTLED_WITHOUT_REQUEST.has(event.status)) {
      entries.push({ at: event.updatedAt, kind: event.status as TimelineEntry["kind"], label: event.error ?? event.status, logId: event.id });
    }
  }
  for (const request of requests) {
    entries.push({ at: request.createdAt, kind: "queued", label: `${requestLine(request)} queued`, logId: request.id });
    for (const attempt of attemptsOf.get(request.id) ?? []) {
      const outcome = attempt.httpStatus === null ? attempt.error ?? "no response" : `HTTP ${attempt.httpStatus}`;
      entries.push({
        at: attempt.startedAt,
        kind: "attempt",
        label: `Attempt ${attempt.attempt}${attempt.trigger === "manual" ? " (manual retry)" : ""}: ${outcome} in ${attempt.latencyMs} ms`,
        logId: request.id,
        httpStatus: attempt.httpStatus,
        latencyMs: attempt.latencyMs,
        error: attempt.error,
      });
    }
    if (request.status === "pending_retry" && request.nextAttemptAt !== null) {
      entries.push({ at: request.nextAttemptAt, kind: "next_attempt", label: "Next attempt scheduled", logId: request.id });
    }
  }
  if (!SETTLED_WITHOUT_REQUEST.has(row.status)) {
    entries.push({ at: row.updatedAt, kind: "final", label: `Status: ${row.status.replaceAll("_", " ")}`, logId: row.id, status: row.status, error: row.error });
  }
  return entries.sort((a, b) => a.at - b.at);
}
