/**
 * Segment's FQL (`@segment/destination-subscriptions`) for the server and the browser alike. Under Node's ESM
 * loader the CommonJS build exposes only `default`; bundlers read the ESM build's named exports.
 */
import * as subscriptionsModule from "@segment/destination-subscriptions";

type Subscriptions = typeof import("@segment/destination-subscriptions");
const namespace = subscriptionsModule as unknown as Partial<Subscriptions> & { default?: Subscriptions };
const subscriptions: Subscriptions = namespace.parseFql ? (namespace as Subscriptions) : namespace.default!;

export const { parseFql, validate } = subscriptions;
export type { Subscription } from "@segment/destination-subscriptions";

const { generateFql } = subscriptions;

/** A condition without the whitespace outside string literals, so layout differences do not count. */
function compact(condition: string): string {
  return condition.replace(/("(?:[^"\\]|\\.)*")|\s+/g, (_match, literal: string | undefined) => literal ?? "");
}

/**
 * Why Segment would not run a trigger condition as typed, or null when it would. The parser accepts some broken
 * input as something else (`properties.position == ` reads as `properties.position = "="`, a trailing `and` or a
 * leading `!` is dropped), so a condition is accepted only when the parser's reading, written back out, is what
 * was typed.
 */
export function fqlProblem(condition: string): string | null {
  const parsed = parseFql(condition);
  if ("error" in parsed) return "Segment cannot read this condition; write it like properties.total > 100";
  let reading: string;
  try {
    reading = generateFql(parsed);
  } catch {
    return "Segment cannot read this condition; write it like properties.total > 100";
  }
  if (compact(reading) === compact(condition)) return null;
  return `Segment would read this as ${reading}, which is not what was typed; check the operator and the value`;
}
