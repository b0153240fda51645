import { errorMessage } from "../sdk/http";

export type ParsedEvent =
  | { status: "empty" }
  | { status: "invalid"; message: string }
  | { status: "ok"; event: Record<string, unknown> };

/** The tester's textarea: one Segment event as a JSON object. */
export function parseEventJson(text: string): ParsedEvent {
  if (!text.trim()) return { status: "empty" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { status: "invalid", message: `Not valid JSON: ${errorMessage(error)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { status: "invalid", message: 'Paste one Segment event: a JSON object such as {"type": "track", …}.' };
  }
  return { status: "ok", event: value as Record<string, unknown> };
}
