/**
 * Validates one Segment message as the Tracking API spec requires (segment.md §4) and prepares the row we store.
 * Validation names the field that is wrong; a message that fails it is logged as rejected, never queued.
 */
import { randomUUID } from "node:crypto";
import type { InboundEvent } from "../store/types.ts";
import { idOf as mappingIdOf } from "../mapping/map-event.ts";

export const SEGMENT_TYPES = ["identify", "track", "page", "screen", "group", "alias"] as const;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_MESSAGE_ID_LENGTH = 100;

export type IngestSource = "webhook" | "tracking_api";

export type NormalizeResult =
  | { ok: true; event: InboundEvent }
  | { ok: false; reason: string; messageId: string | null; userId: string | null; eventType: string | null };

/** Ids travel in HTTP headers and log lines; a control character there is never data, only trouble. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const idOf = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : null;

function problem(message: Record<string, unknown>): string | null {
  const type = message.type;
  if (typeof type !== "string") return "type is required (identify, track, page, screen, group or alias)";
  if (!(SEGMENT_TYPES as readonly string[]).includes(type)) return `type "${type.slice(0, 40)}" is not a Segment call type`;
  for (const key of ["userId", "anonymousId", "previousId", "groupId"] as const) {
    const value = message[key];
    if (value !== undefined && value !== null && typeof value !== "string" && typeof value !== "number") {
      return `${key} must be a string`;
    }
    if (typeof value === "string" && CONTROL_CHARACTER.test(value)) return `${key} must not contain control characters`;
  }
  if (!idOf(message.userId) && !idOf(message.anonymousId)) return "userId or anonymousId is required (no_user_anon_id)";
  for (const key of ["traits", "properties", "context", "integrations"] as const) {
    if (message[key] !== undefined && message[key] !== null && !isObject(message[key])) return `${key} must be an object`;
  }
  if (type === "track" && (typeof message.event !== "string" || message.event.length === 0)) {
    return "event is required for track and must be a string";
  }
  if (message.name !== undefined && message.name !== null && typeof message.name !== "string") return "name must be a string";
  if (type === "group" && !idOf(message.groupId)) return "groupId is required for group";
  if (type === "alias" && (!idOf(message.previousId) || !idOf(message.userId))) {
    return "alias requires previousId and userId";
  }
  if (message.messageId !== undefined && message.messageId !== null) {
    if (typeof message.messageId !== "string") return "messageId must be a string";
    if (message.messageId.length > MAX_MESSAGE_ID_LENGTH) return `messageId must be at most ${MAX_MESSAGE_ID_LENGTH} characters`;
    if (CONTROL_CHARACTER.test(message.messageId)) return "messageId must not contain control characters";
  }
  for (const key of ["timestamp", "sentAt", "originalTimestamp"] as const) {
    const value = message[key];
    if (value !== undefined && value !== null && (typeof value !== "string" || Number.isNaN(Date.parse(value)))) {
      return `${key} must be an ISO-8601 date string`;
    }
  }
  return null;
}

/**
 * `receivedAt` is our clock. With `sentAt` (Tracking API), the event timestamp is corrected for client clock skew:
 * timestamp = receivedAt − (sentAt − originalTimestamp) (segment.md §4).
 */
export function normalizeSegmentEvent(
  raw: unknown,
  options: { source: IngestSource; receivedAt: number; sentAt?: string | null; byteLength?: number },
): NormalizeResult {
  if (!isObject(raw)) {
    return { ok: false, reason: "each event must be a JSON object", messageId: null, userId: null, eventType: null };
  }
  const messageId = typeof raw.messageId === "string" ? raw.messageId.slice(0, MAX_MESSAGE_ID_LENGTH) : null;
  // The id the mapping plans the event for (a blank userId does not count), so that the row names the user whose
  // requests it leads to: PostgreSQL plans each user's events in the planning partition of this id.
  const userId = mappingIdOf(raw.userId) ?? mappingIdOf(raw.anonymousId);
  const eventType = typeof raw.type === "string" ? raw.type.slice(0, 40) : null;
  const reason =
    options.byteLength !== undefined && options.byteLength > MAX_EVENT_BYTES
      ? `event is ${options.byteLength} bytes; the limit is ${MAX_EVENT_BYTES} bytes (32 KB) per event`
      : problem(raw);
  if (reason) return { ok: false, reason, messageId, userId, eventType };

  const { writeKey: _writeKey, ...message } = raw;
  const receivedAt = new Date(options.receivedAt).toISOString();
  const sentAt = options.sentAt ?? (typeof message.sentAt === "string" ? message.sentAt : null);
  const original = typeof message.timestamp === "string" ? message.timestamp : null;
  let timestamp = original ?? receivedAt;
  if (options.source === "tracking_api" && sentAt && original) {
    const corrected = new Date(options.receivedAt - (Date.parse(sentAt) - Date.parse(original)));
    // Dates at the ends of the Date range are valid alone, but their difference can land outside it.
    if (!Number.isNaN(corrected.getTime())) timestamp = corrected.toISOString();
  }
  const storedMessageId = messageId ?? `srv-${randomUUID()}`;
  const payload: Record<string, unknown> = {
    ...message,
    messageId: storedMessageId,
    timestamp,
    receivedAt,
  };
  if (original && timestamp !== original) payload.originalTimestamp = original;
  return {
    ok: true,
    event: {
      messageId: storedMessageId,
      userId,
      eventType: String(message.type),
      eventName: eventNameOf(message),
      payload,
      detail: { source: options.source },
    },
  };
}

function eventNameOf(message: Record<string, unknown>): string | null {
  if (message.type === "track" && typeof message.event === "string") return message.event.slice(0, 512);
  if ((message.type === "page" || message.type === "screen") && typeof message.name === "string") return message.name.slice(0, 512);
  return null;
}
