/**
 * Trait paths and event names seen in an installation's recent inbound events, for the mapping rows' suggestions:
 * top-level keys of `traits`, `context.traits` and `properties`, plus one nested level as dot paths.
 */
import type { ObservedKeys } from "../../src/config-screen/api.ts";
import { EVENT_SOURCES } from "../../src/shared/installation-config.ts";
import type { LogRow } from "../store/types.ts";

type EventSource = (typeof EVENT_SOURCES)[number];

const ROOTS = ["traits", "context.traits", "properties"] as const;
const MAX_ENTRIES = 500;
/** A key a mapping source path can name: no dot (the path separator) and no whitespace. */
const PATH_KEY = /^[^.\s]+$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

interface Tally {
  count: number;
  lastSeen: number;
}

export function observeKeys(rows: readonly LogRow[]): ObservedKeys {
  const traits = new Map<string, Tally>();
  const events = new Map<string, Tally & { source: EventSource; name: string }>();
  const note = <T extends Tally>(map: Map<string, T>, key: string, at: number, create: () => T) => {
    const tally = map.get(key) ?? create();
    tally.count += 1;
    tally.lastSeen = Math.max(tally.lastSeen, at);
    map.set(key, tally);
  };

  for (const row of rows) {
    const event = row.payload;
    if (!isRecord(event)) continue;
    const paths = new Set<string>();
    for (const root of ROOTS) {
      const values = root === "context.traits" ? (isRecord(event.context) ? event.context.traits : undefined) : event[root];
      if (!isRecord(values)) continue;
      for (const [key, value] of Object.entries(values)) {
        if (!PATH_KEY.test(key)) continue;
        paths.add(`${root}.${key}`);
        if (!isRecord(value)) continue;
        for (const nested of Object.keys(value)) if (PATH_KEY.test(nested)) paths.add(`${root}.${key}.${nested}`);
      }
    }
    for (const path of paths) note(traits, path, row.createdAt, () => ({ count: 0, lastSeen: 0 }));

    const source = (EVENT_SOURCES as readonly unknown[]).includes(event.type) ? (event.type as EventSource) : null;
    const name = source === "track" ? event.event : event.name;
    if (source && typeof name === "string" && name) {
      note(events, `${source}\u0000${name}`, row.createdAt, () => ({ source, name, count: 0, lastSeen: 0 }));
    }
  }

  const byCountThenRecency = (a: Tally, b: Tally) => b.count - a.count || b.lastSeen - a.lastSeen;
  return {
    traits: [...traits]
      .map(([path, tally]) => ({ path, ...tally }))
      .sort((a, b) => byCountThenRecency(a, b) || a.path.localeCompare(b.path))
      .slice(0, MAX_ENTRIES)
      .map(({ path, count, lastSeen }) => ({ path, count, lastSeen: new Date(lastSeen).toISOString() })),
    events: [...events.values()]
      .sort((a, b) => byCountThenRecency(a, b) || a.name.localeCompare(b.name))
      .slice(0, MAX_ENTRIES)
      .map(({ source, name, count, lastSeen }) => ({ source, name, count, lastSeen: new Date(lastSeen).toISOString() })),
  };
}
