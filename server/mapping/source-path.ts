import { isRecord, type SegmentEvent } from "./types";

export type SourceRoot = "traits" | "context.traits" | "properties";

export interface SourcePath {
  root: SourceRoot;
  keys: string[];
}

const ROOTS: readonly SourceRoot[] = ["context.traits", "traits", "properties"];

/** Which roots a mapping row may read, per call type: `traits` only on identify, `properties` on track/page/screen. */
const ROOTS_BY_CALL_TYPE: Record<string, readonly SourceRoot[]> = {
  identify: ["traits", "context.traits"],
  track: ["properties", "context.traits"],
  page: ["properties", "context.traits"],
  screen: ["properties", "context.traits"],
  group: ["context.traits"],
  alias: ["context.traits"],
};

/** `traits.address.city` → `{root: "traits", keys: ["address", "city"]}`; null when malformed. */
export function parseSourcePath(source: string): SourcePath | null {
  for (const root of ROOTS) {
    if (!source.startsWith(`${root}.`)) continue;
    const keys = source.slice(root.length + 1).split(".");
    return keys.every((key) => key.length > 0) ? { root, keys } : null;
  }
  return null;
}

export function rootAppliesTo(root: SourceRoot, callType: string): boolean {
  return ROOTS_BY_CALL_TYPE[callType]?.includes(root) ?? false;
}

export function readRoot(event: SegmentEvent, root: SourceRoot): Record<string, unknown> | undefined {
  const value = root === "context.traits" ? (isRecord(event.context) ? event.context.traits : undefined) : event[root];
  return isRecord(value) ? value : undefined;
}

/** The value at `keys` inside nested objects; undefined when any step is missing or not an object. */
export function readPath(record: Record<string, unknown> | undefined, keys: readonly string[]): unknown {
  let current: unknown = record;
  for (const key of keys) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}
