import { parseFql, validate, type Subscription } from "../../src/shared/fql.ts";
import type { SegmentEvent } from "./types";

const MAX_CACHED_CONDITIONS = 1000;
const parsedConditions = new Map<string, Subscription>();

export type ConditionResult = { holds: boolean } | { error: string };

/** Evaluates a Segment FQL condition against the event; each distinct condition string is parsed once. */
export function evaluateCondition(condition: string, event: SegmentEvent): ConditionResult {
  let parsed = parsedConditions.get(condition);
  if (!parsed) {
    if (parsedConditions.size >= MAX_CACHED_CONDITIONS) parsedConditions.clear();
    parsed = parseFql(condition);
    parsedConditions.set(condition, parsed);
  }
  if ("error" in parsed) return { error: parsed.error.message };
  return { holds: validate(parsed, event) };
}
