import type { Configuration } from "../../src/shared/installation-config";
import { coerceValue, showValue } from "./coerce";
import { isRecord, type AttributeValue, type SegmentEvent } from "./types";

/** The Engage computation an event carries (`context.personas`, segment.md §6), kept for the sync log. */
export interface EngageComputation {
  computationClass: string;
  computationId?: string;
  computationKey: string;
  spaceId?: string;
}

/** Keys Engage adds next to the value on track events; never a Personalize attribute (personalize-api.md §6). */
export const ENGAGE_HELPER_KEYS: ReadonlySet<string> = new Set(["audience_key", "trait_key"]);

const MEMBERSHIP_CLASSES = new Set(["audience", "journey_step"]);
const COMPUTED_TRAIT_CLASSES = new Set(["trait", "computed_trait"]);

export type EngageOutcome = { attribute: string; value: AttributeValue; source: string } | { skipped: string };

export function readEngageComputation(event: SegmentEvent): EngageComputation | null {
  const personas = isRecord(event.context) ? event.context.personas : undefined;
  if (!isRecord(personas)) return null;
  const { computation_class, computation_key, computation_id, space_id, namespace } = personas;
  if (typeof computation_class !== "string" || !computation_class) return null;
  if (typeof computation_key !== "string" || !computation_key) return null;
  const computation: EngageComputation = { computationClass: computation_class, computationKey: computation_key };
  if (typeof computation_id === "string") computation.computationId = computation_id;
  const spaceId = typeof space_id === "string" ? space_id : typeof namespace === "string" ? namespace : undefined;
  if (spaceId !== undefined) computation.spaceId = spaceId;
  return computation;
}

/**
 * The attribute an Engage audience, journey step or computed trait sets: `<prefix><computation_key>`, read from
 * `traits` (identify) or `properties` (track), as Segment's `engageAudienceMembership` does. Membership values
 * also accept the strings "true"/"false" that Journeys v1 sends.
 */
export function mapEngageComputation(
  event: SegmentEvent,
  callType: string,
  computation: EngageComputation,
  settings: Configuration["engage"],
): EngageOutcome {
  const { computationClass, computationKey } = computation;
  const isMembership = MEMBERSHIP_CLASSES.has(computationClass);
  if (!isMembership && !COMPUTED_TRAIT_CLASSES.has(computationClass)) {
    return { skipped: `computation_class "${computationClass}" is not mapped` };
  }
  if (callType !== "identify" && callType !== "track") {
    return { skipped: `Engage ${computationClass} on a ${callType} call is not mapped` };
  }
  if (isMembership && !settings.audiences) return { skipped: "Engage audience sync is off" };
  if (!isMembership && !settings.computedTraits) return { skipped: "Engage computed trait sync is off" };

  const rootName = callType === "identify" ? "traits" : "properties";
  const root = event[rootName];
  if (!isRecord(root) || !Object.hasOwn(root, computationKey)) {
    return { skipped: `no value at ${rootName}.${computationKey}` };
  }
  const raw = root[computationKey];
  const coerced = isMembership ? toMembership(raw) : coerceValue(raw, "auto");
  if (!coerced.ok) return { skipped: `${rootName}.${computationKey} is ${coerced.problem}` };
  return {
    attribute: `${settings.attributePrefix}${computationKey}`,
    value: coerced.value,
    source: `engage:${computationKey}`,
  };
}

function toMembership(value: unknown): { ok: true; value: boolean } | { ok: false; problem: string } {
  if (typeof value === "boolean") return { ok: true, value };
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return { ok: true, value: value.toLowerCase() === "true" };
  const shown = typeof value === "string" || typeof value === "number" ? showValue(value) : JSON.stringify(value);
  return { ok: false, problem: `${shown}, not a membership boolean` };
}
