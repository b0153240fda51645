import { EVENT_SOURCES } from "../shared/installation-config";
import { formatCount, formatWhen } from "../ui/format";
import type { SegmentSuggestions, SuggestionOrigin } from "../shared/segment-connect";
import type { ObservedKeys, PersonalizeCatalog } from "./api";

/** Where a mapped value is read from; the schema's SOURCE_PATH_PATTERN allows exactly these prefixes. */
export const SOURCE_PREFIXES = ["traits.", "context.traits.", "properties."] as const;
export type SourcePrefix = (typeof SOURCE_PREFIXES)[number];
export type EventSource = (typeof EVENT_SOURCES)[number];

export interface Suggestion {
  value: string;
  label: string;
}

/** `<datalist>` ids shared by every mapping row. */
export const LIST_IDS = {
  attributeKeys: "personalize-attribute-keys",
  eventKeys: "personalize-event-keys",
  traitPaths: "observed-trait-paths",
  traitKeys: (prefix: SourcePrefix) => `observed-keys-${prefix.slice(0, -1).replace(".", "-")}`,
  eventNames: (source: EventSource) => `observed-events-${source}`,
};

export function splitSourcePath(path: string): { prefix: SourcePrefix | null; key: string } {
  const prefix = SOURCE_PREFIXES.find((candidate) => path.startsWith(candidate)) ?? null;
  return prefix ? { prefix, key: path.slice(prefix.length) } : { prefix: null, key: path };
}

function seen(count: number, lastSeen: string | number, now: number): string {
  return `${formatCount(count, "event")}, last seen ${formatWhen(lastSeen, now)}`;
}

export function observedTraitSuggestions(
  observed: ObservedKeys | undefined,
  prefix: SourcePrefix | null,
  now: number = Date.now(),
): Suggestion[] {
  return (observed?.traits ?? []).flatMap((trait) => {
    if (prefix && !trait.path.startsWith(prefix)) return [];
    const value = prefix ? trait.path.slice(prefix.length) : trait.path;
    return value ? [{ value, label: `${trait.path} · ${seen(trait.count, trait.lastSeen, now)}` }] : [];
  });
}

export function observedEventSuggestions(
  observed: ObservedKeys | undefined,
  source: EventSource,
  now: number = Date.now(),
): Suggestion[] {
  return (observed?.events ?? [])
    .filter((event) => event.source === source)
    .map((event) => ({ value: event.name, label: `${event.source} "${event.name}" · ${seen(event.count, event.lastSeen, now)}` }));
}

export function attributeKeySuggestions(catalog: PersonalizeCatalog | undefined): Suggestion[] {
  return (catalog?.attributes ?? []).map((attribute) => ({
    value: attribute.key,
    label: attribute.type ? `${attribute.name} (${attribute.type})` : attribute.name,
  }));
}

export function eventKeySuggestions(catalog: PersonalizeCatalog | undefined): Suggestion[] {
  return (catalog?.events ?? []).map((event) => ({ value: event.key, label: event.name }));
}

const ORIGIN_LABELS: Record<SuggestionOrigin, string> = { "tracking-plan": "from the tracking plan", unify: "observed by Unify" };

/** Trait paths from Segment's tracking plans and Unify, each labelled with where it came from. */
export function segmentTraitSuggestions(segment: SegmentSuggestions | undefined, prefix: SourcePrefix | null): Suggestion[] {
  return (segment?.traits ?? []).flatMap((trait) => {
    if (prefix && !trait.path.startsWith(prefix)) return [];
    const value = prefix ? trait.path.slice(prefix.length) : trait.path;
    return value ? [{ value, label: `${trait.path} · ${ORIGIN_LABELS[trait.origin]} (${trait.detail})` }] : [];
  });
}

export function segmentEventSuggestions(segment: SegmentSuggestions | undefined, source: EventSource): Suggestion[] {
  return (segment?.events ?? [])
    .filter((event) => event.source === source)
    .map((event) => ({ value: event.name, label: `${event.source} "${event.name}" · ${ORIGIN_LABELS[event.origin]} (${event.detail})` }));
}

/** Traffic we saw first (it carries counts), then Segment's names that traffic has not shown yet. */
export function mergeSuggestions(first: Suggestion[], then: Suggestion[]): Suggestion[] {
  const seen = new Set(first.map((suggestion) => suggestion.value));
  return [...first, ...then.filter((suggestion) => !seen.has(suggestion.value) && Boolean(seen.add(suggestion.value)))];
}
