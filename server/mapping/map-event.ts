import type { Configuration } from "../../src/shared/installation-config";
import { readEngageComputation, type EngageComputation } from "./engage";
import { mapAttributes, type MappedAttributes } from "./map-attributes";
import { eventName, mapEvents, type EventCallType } from "./map-events";
import { NO_REQUIRED_TYPES, type Operation, type RequiredTypes, type SegmentEvent } from "./types";

export interface MappingResult {
  userUid: string | null;
  operations: Operation[];
  /** Set exactly when there are no operations: why the event leads to no Personalize request. */
  filtered: { reason: string } | null;
  /** Why a value was dropped or a row skipped. */
  notes: string[];
  engage: EngageComputation | null;
}

const EVENT_CALL_TYPES: ReadonlySet<string> = new Set<EventCallType>(["track", "page", "screen"]);
const CALL_TYPES: ReadonlySet<string> = new Set([...EVENT_CALL_TYPES, "identify", "group", "alias"]);
const TIMESTAMP_FIELDS = ["timestamp", "originalTimestamp", "receivedAt"] as const;

/**
 * Maps one Segment message to the Personalize operations it implies, in order: merge, attributes, events.
 * `requiredTypes` are the types the project's audiences need (values without a declared type are coerced to them).
 */
export function mapEvent(event: SegmentEvent, config: Configuration, requiredTypes: RequiredTypes = NO_REQUIRED_TYPES): MappingResult {
  const notes: string[] = [];
  const engage = readEngageComputation(event);
  const callType = typeof event.type === "string" ? event.type : "";
  const result = (userUid: string | null, operations: Operation[], filteredReason: string | null): MappingResult => ({
    userUid,
    operations,
    filtered: filteredReason === null ? null : { reason: filteredReason },
    notes,
    engage,
  });

  if (!CALL_TYPES.has(callType)) {
    return result(null, [], callType ? `unsupported call type "${callType}"` : "no call type");
  }
  const userId = idOf(event.userId);
  const anonymousId = idOf(event.anonymousId);
  const userUid = userId ?? (config.identity.anonymousFallback ? anonymousId : null);
  if (!userUid) {
    return result(null, [], anonymousId ? "no userId (anonymous fallback is off)" : "no userId or anonymousId");
  }

  const operations: Operation[] = [];
  const merge = mergeFor(event, callType, userId, anonymousId, config.identity);
  if (merge && "operation" in merge) operations.push(merge.operation);

  const mapped = mapAttributes(event, callType, config, engage, notes, requiredTypes);
  const attributeKeys = Object.keys(mapped.attributes);
  const timestamp = eventTimestamp(event);
  if (attributeKeys.length && timestamp) {
    operations.push({ kind: "attributes", userUid, attributes: mapped.attributes, sources: mapped.sources, timestamp });
  } else if (attributeKeys.length) {
    notes.push(`attributes ${attributeKeys.join(", ")} dropped: no valid ${TIMESTAMP_FIELDS.join(", ")}`);
  }

  if (EVENT_CALL_TYPES.has(callType)) {
    const eventCallType = callType as EventCallType;
    operations.push(...mapEvents(event, eventCallType, userUid, config.eventMappings, engage !== null, notes));
  }

  if (operations.length) return result(userUid, operations, null);
  return result(userUid, [], whyNothingToSend(event, callType, { timestampMissing: !timestamp, merge, engage, mapped }));
}

function whyNothingToSend(
  event: SegmentEvent,
  callType: string,
  found: { timestampMissing: boolean; merge: MergeDecision; engage: EngageComputation | null; mapped: MappedAttributes },
): string {
  const { timestampMissing, merge, engage, mapped } = found;
  if (timestampMissing && Object.keys(mapped.attributes).length) return `no valid ${TIMESTAMP_FIELDS.join(", ")}`;
  if (merge && "skipped" in merge) return merge.skipped;
  if (engage && mapped.engageSkipped) return `engage:${engage.computationKey}: ${mapped.engageSkipped}`;
  if (EVENT_CALL_TYPES.has(callType)) return noEventMatched(event, callType as EventCallType);
  return `${callType} mapped no attributes`;
}

type MergeDecision = { operation: Operation } | { skipped: string } | null;

/** alias: previousId → userId; identify carrying both ids: anonymousId → userId (personalize-api.md §4). */
function mergeFor(
  event: SegmentEvent,
  callType: string,
  userId: string | null,
  anonymousId: string | null,
  identity: Configuration["identity"],
): MergeDecision {
  if (callType === "alias") {
    const previousId = idOf(event.previousId);
    if (!identity.mergeOnAlias) return { skipped: "alias ignored: merge on alias is off" };
    if (!userId) return { skipped: "alias without userId" };
    if (!previousId) return { skipped: "alias without previousId" };
    if (previousId === userId) return { skipped: "alias previousId equals userId" };
    return { operation: { kind: "merge", sourceUserUid: previousId, targetUserUid: userId, source: "alias:previousId" } };
  }
  if (callType === "identify" && identity.mergeOnIdentify && userId && anonymousId && anonymousId !== userId) {
    return {
      operation: { kind: "merge", sourceUserUid: anonymousId, targetUserUid: userId, source: "identify:anonymousId" },
    };
  }
  return null;
}

function noEventMatched(event: SegmentEvent, callType: EventCallType): string {
  const name = eventName(event, callType);
  return `no mapping matched ${callType} ${name === undefined ? "(no name)" : JSON.stringify(name)}`;
}

/** Segment ids are strings; some libraries send numbers. Empty or blank ids count as missing. */
export function idOf(value: unknown): string | null {
  if (typeof value === "string") return value.trim() ? value : null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** The first parsable of timestamp, originalTimestamp, receivedAt, normalised to ISO 8601 UTC. */
function eventTimestamp(event: SegmentEvent): string | null {
  for (const field of TIMESTAMP_FIELDS) {
    const value = event[field];
    const epochMs = typeof value === "string" ? Date.parse(value) : NaN;
    if (Number.isFinite(epochMs)) return new Date(epochMs).toISOString();
  }
  return null;
}
