/**
 * What the log routes send for a row: the list columns only, or the whole row with every secret masked (headers
 * such as Authorization, write keys, tokens), wherever it sits in the payload, the request or the detail.
 */
import { maskSecret } from "../../src/shared/installation-config.ts";
import type { LogRow, OutboundRequest } from "../store/types.ts";

/** The list columns of a row. */
export type LogItem = Omit<LogRow, "installationUid" | "payload" | "detail">;

export interface LogEntry extends LogItem {
  /** Inbound: the Segment event as received; outbound: the request {method, url, headers, body}. */
  payload: unknown;
  detail: Record<string, unknown>;
}

const SECRET_KEY =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|write[-_]?key|authtoken|x-signature|x-contentstack-request-signature|password|secret|shared[-_]?secret|access[-_]?token|refresh[-_]?token|management[-_]?token)$/i;

export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) && (typeof inner === "string" || typeof inner === "number") ? maskSecret(String(inner)) : maskSecrets(inner),
    ]),
  );
}

function isRequest(value: unknown): value is OutboundRequest {
  return typeof value === "object" && value !== null && typeof (value as OutboundRequest).body === "string";
}

/** A request body is a JSON string: mask inside it too, keeping it compact as it was sent. */
function maskRequest(request: OutboundRequest): OutboundRequest {
  let body = request.body;
  try {
    body = JSON.stringify(maskSecrets(JSON.parse(request.body)));
  } catch {
    // Not JSON: sent as is, shown as is.
  }
  return { ...request, headers: maskSecrets(request.headers) as Record<string, string>, body };
}

export function toLogItem(row: LogRow): LogItem {
  return {
    id: row.id,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    direction: row.direction,
    status: row.status,
    userId: row.userId,
    messageId: row.messageId,
    eventType: row.eventType,
    eventName: row.eventName,
    httpStatus: row.httpStatus,
    latencyMs: row.latencyMs,
    attempt: row.attempt,
    nextAttemptAt: row.nextAttemptAt,
    error: row.error,
  };
}

export function toLogEntry(row: LogRow): LogEntry {
  const payload = row.direction !== "inbound" && isRequest(row.payload) ? maskRequest(row.payload) : maskSecrets(row.payload);
  return { ...toLogItem(row), payload, detail: maskSecrets(row.detail) as Record<string, unknown> };
}

/** Row ids the store keeps in a row's detail: an event's requests (`outboundIds`), a request's events (`eventIds`). */
export function linkedIds(row: LogRow, key: "outboundIds" | "eventIds"): number[] {
  const ids = row.detail[key];
  return Array.isArray(ids) ? ids.filter((id): id is number => Number.isInteger(id)) : [];
}

/** The outbound rows a retry of this row re-queues: itself, or the requests an inbound event produced. */
export function outboundIdsOf(row: LogRow): number[] {
  return row.direction === "inbound" ? linkedIds(row, "outboundIds") : [row.id];
}
