import type { EventMapping } from "../../src/shared/installation-config";
import { evaluateCondition } from "./fql";
import type { Operation, SegmentEvent } from "./types";

export type EventCallType = "track" | "page" | "screen";

/** The name event rows match: `event` for track, `name` for page/screen. */
export function eventName(event: SegmentEvent, callType: EventCallType): string | undefined {
  const name = callType === "track" ? event.event : event.name;
  return typeof name === "string" ? name : undefined;
}

/**
 * One `event` operation per enabled row of this call type whose name matches and whose FQL condition holds.
 * `*` rows skip Engage events: those reach Personalize as attributes unless a row names them explicitly.
 */
export function mapEvents(
  event: SegmentEvent,
  callType: EventCallType,
  userUid: string,
  rows: readonly EventMapping[],
  isEngageEvent: boolean,
  notes: string[],
): Operation[] {
  const name = eventName(event, callType);
  const operations: Operation[] = [];
  for (const row of rows) {
    if (!row.enabled || row.source !== callType) continue;
    const nameMatches = row.segmentEvent === "*" ? !isEngageEvent : row.segmentEvent === name;
    if (!nameMatches) continue;
    if (row.condition) {
      const label = `row:${row.id} (${callType} "${row.segmentEvent}" → ${row.personalizeEvent})`;
      const result = evaluateCondition(row.condition, event);
      if ("error" in result) {
        notes.push(`${label}: condition is not valid FQL (${result.error}), skipped`);
        continue;
      }
      if (!result.holds) {
        notes.push(`${label}: condition ${row.condition} is false`);
        continue;
      }
    }
    operations.push({ kind: "event", userUid, eventKey: row.personalizeEvent, source: `row:${row.id}` });
  }
  return operations;
}
