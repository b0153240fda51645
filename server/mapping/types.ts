import type { AttributeRequirement } from "../../src/shared/audiences";
/**
 * A Segment message as it reaches us (segment.md §4, §6). Loose on purpose: the mapping checks every field at
 * runtime, because payloads come from third parties and are only parsed as JSON.
 */
export interface SegmentEvent {
  type?: string;
  userId?: string | number | null;
  anonymousId?: string | number | null;
  previousId?: string | number | null;
  groupId?: string | number | null;
  event?: string;
  name?: string;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  context?: SegmentContext;
  timestamp?: string;
  originalTimestamp?: string;
  receivedAt?: string;
  sentAt?: string;
  messageId?: string;
  integrations?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface SegmentContext {
  traits?: Record<string, unknown>;
  personas?: EngagePersonasContext;
  [field: string]: unknown;
}

/** `context.personas` on events sent by an Engage space (segment.md §6). */
export interface EngagePersonasContext {
  computation_class?: string;
  computation_id?: string;
  computation_key?: string;
  namespace?: string;
  space_id?: string;
  external_audience_id?: string;
  audience_settings?: Record<string, unknown>;
  [field: string]: unknown;
}

export type AttributeValue = string | number | boolean;

/**
 * Per attribute key, the type the project's audience rules compare it as (server/audiences derives it from the
 * Management API): what `auto` rows, Engage values and passed-through traits are coerced to.
 */
export type RequiredTypes = ReadonlyMap<string, AttributeRequirement>;
export const NO_REQUIRED_TYPES: RequiredTypes = new Map();

/**
 * One Personalize Edge write derived from one Segment event. Attribute `sources` name what produced each key:
 * `row:<id>`, `passthrough:<path>`, `engage:<computation_key>` or `default:<row id>`.
 */
export type Operation =
  | {
      kind: "attributes";
      userUid: string;
      attributes: Record<string, AttributeValue>;
      sources: Record<string, string>;
      /** The event's timestamp, normalised to ISO 8601 UTC: the Last-Write-Wins clock. */
      timestamp: string;
    }
  | { kind: "event"; userUid: string; eventKey: string; source: string }
  | { kind: "merge"; sourceUserUid: string; targetUserUid: string; source: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
