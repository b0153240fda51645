import type { Configuration } from "../../src/shared/installation-config";
import { conformToAudiences } from "./audience-types";
import { coerceValue, describeNonScalar } from "./coerce";
import { ENGAGE_HELPER_KEYS, mapEngageComputation, type EngageComputation } from "./engage";
import { parseSourcePath, readPath, readRoot, rootAppliesTo, type SourceRoot } from "./source-path";
import type { AttributeValue, RequiredTypes, SegmentEvent } from "./types";

export interface MappedAttributes {
  attributes: Record<string, AttributeValue>;
  sources: Record<string, string>;
  /** Why the event's Engage computation set no attribute, if it did not. */
  engageSkipped: string | null;
}

/** Where unmapped keys come from when `unmappedTraits` is `passthrough`, as Segment's Contentstack destination. */
const PASSTHROUGH_ROOT: Record<string, SourceRoot> = { identify: "traits", track: "properties" };

/**
 * Attributes of one event, in precedence order: mapping rows, then the Engage computation, then passthrough.
 * A key set by an earlier step is not overwritten; every dropped value leaves a note.
 */
export function mapAttributes(
  event: SegmentEvent,
  callType: string,
  config: Configuration,
  engage: EngageComputation | null,
  notes: string[],
  requiredTypes: RequiredTypes,
): MappedAttributes {
  const collected = new AttributeCollector(notes, requiredTypes);
  const consumedKeys = applyMappingRows(event, callType, config, collected, notes);

  let engageSkipped: string | null = null;
  if (engage) {
    const outcome = mapEngageComputation(event, callType, engage, config.engage);
    if ("skipped" in outcome) {
      engageSkipped = outcome.skipped;
      notes.push(`engage:${engage.computationKey}: ${outcome.skipped}`);
    } else collected.addUntyped(outcome.attribute, outcome.value, outcome.source);
  }

  // An Engage event's payload is the computation itself, handled above; passing it through would duplicate it.
  const passthroughRoot = config.unmappedTraits === "passthrough" && !engage ? PASSTHROUGH_ROOT[callType] : undefined;
  if (passthroughRoot) {
    passThrough(readRoot(event, passthroughRoot), passthroughRoot, consumedKeys.get(passthroughRoot), collected, notes);
  }

  return { ...collected.toRecords(), engageSkipped };
}

/** Applies enabled rows whose root fits the call type; returns the top-level keys they read, per root. */
function applyMappingRows(
  event: SegmentEvent,
  callType: string,
  config: Configuration,
  collected: AttributeCollector,
  notes: string[],
): Map<SourceRoot, Set<string>> {
  const consumedKeys = new Map<SourceRoot, Set<string>>();
  for (const row of config.attributeMappings) {
    if (!row.enabled) continue;
    const label = `row:${row.id} (${row.source} → ${row.attribute})`;
    const path = parseSourcePath(row.source);
    if (!path) {
      notes.push(`${label}: malformed source path, skipped`);
      continue;
    }
    if (!rootAppliesTo(path.root, callType)) continue;
    if (!consumedKeys.has(path.root)) consumedKeys.set(path.root, new Set());
    consumedKeys.get(path.root)!.add(path.keys[0]);

    const value = readPath(readRoot(event, path.root), path.keys);
    // null counts as absent: Segment libraries send null for "unset", and Personalize has no null (§8).
    if (value === undefined || value === null) {
      if (row.defaultValue) {
        const fallback = coerceValue(row.defaultValue, row.type);
        if (fallback.ok) collected.add(row.attribute, fallback.value, `default:${row.id}`);
        else notes.push(`default:${row.id} (→ ${row.attribute}): ${fallback.problem}, dropped`);
      } else if (value === null) notes.push(`${label}: null, dropped`);
      continue;
    }
    const coerced = coerceValue(value, row.type);
    if (!coerced.ok) notes.push(`${label}: ${coerced.problem}, dropped`);
    else if (row.type === "auto") collected.addUntyped(row.attribute, coerced.value, `row:${row.id}`, label);
    else collected.add(row.attribute, coerced.value, `row:${row.id}`);
  }
  return consumedKeys;
}

function passThrough(
  record: Record<string, unknown> | undefined,
  root: SourceRoot,
  consumed: ReadonlySet<string> | undefined,
  collected: AttributeCollector,
  notes: string[],
): void {
  for (const [key, value] of Object.entries(record ?? {})) {
    if (consumed?.has(key)) continue;
    const source = `passthrough:${root}.${key}`;
    const problem = !key ? "empty key" : ENGAGE_HELPER_KEYS.has(key) ? "Engage helper key" : describeNonScalar(value);
    if (problem) notes.push(`${source}: ${problem}, dropped`);
    else collected.addUntyped(key, value as AttributeValue, source);
  }
}

/** Attribute values with their sources; the first writer of a key keeps it. */
class AttributeCollector {
  private readonly values = new Map<string, AttributeValue>();
  private readonly sources = new Map<string, string>();

  constructor(
    private readonly notes: string[],
    private readonly requiredTypes: RequiredTypes,
  ) {}

  /** A value with no declared type: coerced to what the project's audiences compare it as, or dropped. */
  addUntyped(attribute: string, value: AttributeValue, source: string, label = source): void {
    if (this.sources.has(attribute)) return this.add(attribute, value, source);
    const conformed = conformToAudiences(attribute, value, this.requiredTypes.get(attribute));
    if (conformed.note) this.notes.push(`${label}: ${conformed.note}`);
    if (conformed.ok) this.add(attribute, conformed.value, source);
  }

  add(attribute: string, value: AttributeValue, source: string): void {
    const owner = this.sources.get(attribute);
    if (owner !== undefined) {
      this.notes.push(`${source}: attribute "${attribute}" already set by ${owner}, dropped`);
      return;
    }
    this.values.set(attribute, value);
    this.sources.set(attribute, source);
  }

  /** Object.fromEntries defines own properties, so a key like `__proto__` stays data. */
  toRecords(): { attributes: Record<string, AttributeValue>; sources: Record<string, string> } {
    return { attributes: Object.fromEntries(this.values), sources: Object.fromEntries(this.sources) };
  }
}
