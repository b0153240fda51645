/**
 * Builds the user view (src/shared/user-inspector.ts) from the user's log rows, the project's definitions and the
 * Edge /manifest answer. Pure: the routes do the reading.
 *
 * What Personalize holds is rebuilt from the delivered PATCH /user-attributes bodies in order, with merges folding
 * the anonymous profile in (the source wins, personalize-api.md §3.2); the mapping's notes on each inbound event
 * say what was dropped or converted and why.
 */
import { combine, evaluateDefinition } from "../audiences/evaluate.ts";
import type { ProjectDefinitions } from "../audiences/project-definitions.ts";
import type { EvaluatedNode, EvaluatedRule } from "../../src/shared/audiences.ts";
import type { Configuration } from "../../src/shared/installation-config.ts";
import type {
  AttributeState,
  AudienceVerdict,
  ExperienceVerdict,
  InspectionWarning,
  UserInspection,
} from "../../src/shared/user-inspector.ts";
import type { LogRow } from "../store/types.ts";

export type ManifestAnswer = { ok: true; assignments: Record<string, string | null> } | { ok: false; reason: string };
export type DefinitionsAnswer = { ok: true; definitions: ProjectDefinitions } | { ok: false; reason: string };

export interface ReportInput {
  userId: string;
  now: number;
  /** The user's rows, newest first. */
  rows: readonly LogRow[];
  truncated: boolean;
  /** Rows of users merged into this one (anonymous ids), newest first. */
  mergedRows: ReadonlyMap<string, readonly LogRow[]>;
  configuration: Configuration;
  definitions: DefinitionsAnswer;
  manifest: ManifestAnswer;
}

interface MappingDetail {
  operations?: Array<{ kind: string; attributes?: Record<string, unknown>; sources?: Record<string, string> }>;
  notes?: string[];
}

const OPEN_STATUSES = new Set(["pending", "in_flight", "pending_retry"]);

const quote = (name: string) => `“${name}”`;

function requestBody(row: LogRow): unknown {
  const body = (row.payload as { body?: unknown } | null)?.body;
  if (typeof body !== "string") return null;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

function mappingOf(row: LogRow): MappingDetail {
  const mapping = row.detail.mapping;
  return typeof mapping === "object" && mapping !== null ? (mapping as MappingDetail) : {};
}

function eventLabel(row: LogRow): string {
  return row.eventName ? `${row.eventType ?? "event"} ${row.eventName}` : (row.eventType ?? "event");
}

function jsonType(value: unknown): AttributeState["type"] {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? (typeof value as "string") : "other";
}

function eventIdsOf(row: LogRow): number[] {
  const ids = row.detail.eventIds;
  return Array.isArray(ids) ? ids.filter((id): id is number => Number.isInteger(id)) : [];
}

/** The attribute a mapping note is about, from its label (see server/mapping/map-attributes.ts). */
export function noteAttribute(note: string, engagePrefix: string): string | null {
  const row = /^(?:row|default):[^ ]+ \((?:.* )?→ (.+?)\): /.exec(note);
  if (row) return row[1]!;
  const passthrough = /^passthrough:(?:context\.traits|traits|properties)\.(.+?): /.exec(note);
  if (passthrough) return passthrough[1]!;
  const engage = /^engage:(.+?): /.exec(note);
  return engage ? `${engagePrefix}${engage[1]}` : null;
}

/** `row:ltv (traits.ltv → ltv): "a lot" is not a number, but audience …, dropped` → `"a lot" is not a number`. */
function dropReason(note: string): string {
  return note
    .replace(/^(?:row|default):[^ ]+ \((?:.* )?→ .+?\): |^(?:passthrough|engage):.+?: /, "")
    .replace(/, but .*$/, "")
    .replace(/, dropped$/, "");
}

function mappingRowLabel(source: string, configuration: Configuration): string {
  const id = /^(?:row|default):(.+)$/.exec(source)?.[1];
  const row = id === undefined ? undefined : configuration.attributeMappings.find((mapping) => mapping.id === id);
  return row ? `${source} (${row.source} → ${row.attribute})` : source;
}

/** Delivered attribute writes in order, with the event each value came from. */
function rebuildAttributes(
  rows: readonly LogRow[],
  inboundById: ReadonlyMap<number, LogRow>,
  configuration: Configuration,
  mergedFrom: string | null,
): Map<string, AttributeState> {
  const state = new Map<string, AttributeState>();
  const ordered = [...rows].filter((row) => row.direction === "personalize" && row.eventType === "attributes" && row.status === "delivered").reverse();
  for (const row of ordered) {
    const body = requestBody(row);
    if (typeof body !== "object" || body === null || Array.isArray(body)) continue;
    const candidates = eventIdsOf(row)
      .map((id) => inboundById.get(id))
      .filter((event): event is LogRow => event !== undefined)
      .sort((a, b) => b.id - a.id);
    for (const [key, value] of Object.entries(body)) {
      const origin = candidates.find((event) => mappingOf(event).operations?.some((op) => op.kind === "attributes" && op.attributes && Object.hasOwn(op.attributes, key)));
      const operation = origin ? mappingOf(origin).operations!.find((op) => op.attributes && Object.hasOwn(op.attributes, key)) : undefined;
      const sources = (row.detail.sources ?? {}) as Record<string, string>;
      const source = operation?.sources?.[key] ?? sources[key] ?? "";
      state.set(key, {
        key,
        value,
        type: jsonType(value),
        setAt: row.updatedAt,
        requestLogId: row.id,
        eventLogId: origin?.id ?? null,
        event: origin ? eventLabel(origin) : null,
        source: mappingRowLabel(source, configuration),
        mergedFrom,
      });
    }
  }
  return state;
}

/** Warnings newest first, and for each attribute the newest note that dropped its value. */
function collectWarnings(rows: readonly LogRow[], configuration: Configuration): { warnings: InspectionWarning[]; drops: Map<string, string> } {
  const warnings: InspectionWarning[] = [];
  const drops = new Map<string, string>();
  for (const row of rows) {
    if (row.direction === "inbound") {
      for (const note of mappingOf(row).notes ?? []) {
        const kind = / converted to /.test(note) ? "converted" : /, dropped$/.test(note) ? "dropped" : "note";
        const attribute = noteAttribute(note, configuration.engage.attributePrefix);
        if (kind === "dropped" && attribute && !drops.has(attribute)) drops.set(attribute, note);
        warnings.push({ kind, attribute, message: `${eventLabel(row)}: ${note}`, at: row.createdAt, logId: row.id });
      }
      if (row.status === "filtered" && row.error) {
        warnings.push({ kind: "filtered", attribute: null, message: `${eventLabel(row)} sent nothing to Personalize: ${row.error}`, at: row.createdAt, logId: row.id });
      }
    } else if (row.direction === "personalize" && (row.status === "failed" || row.status === "dead_lettered")) {
      warnings.push({ kind: "failed", attribute: null, message: `${row.eventType ?? "request"} ${row.status.replace("_", " ")}: ${row.error ?? "no answer"}`, at: row.updatedAt, logId: row.id });
    } else if (row.direction === "personalize" && OPEN_STATUSES.has(row.status) && row.eventType === "attributes") {
      const body = requestBody(row);
      const keys = typeof body === "object" && body !== null ? Object.keys(body).join(", ") : "attributes";
      warnings.push({ kind: "pending", attribute: null, message: `${keys} not delivered yet (${row.status.replace("_", " ")})`, at: row.updatedAt, logId: row.id });
    }
  }
  return { warnings, drops };
}

/** The first rule, depth first, whose result is `wanted`. */
function firstRule(node: EvaluatedNode, wanted: boolean | null): EvaluatedRule | undefined {
  if (node.kind === "rule") return node.result === wanted ? node : undefined;
  for (const child of node.rules) {
    const found = firstRule(child, wanted);
    if (found) return found;
  }
  return undefined;
}

function audienceReason(name: string, tree: EvaluatedNode, drops: ReadonlyMap<string, string>): string {
  if (tree.result === true) {
    const rule = firstRule(tree, true);
    return `${name} is matched${rule ? `: ${rule.explanation}` : ""}`;
  }
  if (tree.result === null) {
    const rule = firstRule(tree, null);
    return `${name} cannot be decided here: ${rule?.explanation ?? "a rule cannot be evaluated"}`;
  }
  const rule = firstRule(tree, false);
  if (!rule) return `${name} is not matched`;
  const dropped = drops.get(rule.attribute);
  if (rule.outcome === "missing" && dropped) return `${name} is not matched because ${rule.attribute} was dropped: ${dropReason(dropped)}`;
  if (rule.outcome === "missing") return `${name} is not matched because ${rule.attribute} was never set by this app`;
  if (rule.outcome === "wrong_type") return `${name} is not matched because ${rule.explanation.replace(/; wanted .*$/, "")}`;
  return `${name} is not matched because ${rule.explanation}`;
}

export function buildUserReport(input: ReportInput): UserInspection {
  const { userId, rows, configuration } = input;
  const inboundById = new Map<number, LogRow>();
  for (const row of rows) if (row.direction === "inbound") inboundById.set(row.id, row);
  for (const merged of input.mergedRows.values()) for (const row of merged) if (row.direction === "inbound") inboundById.set(row.id, row);

  // Own writes in order, with each delivered merge folding the source profile in (the source wins).
  const merges = rows
    .filter((row) => row.direction === "personalize" && row.eventType === "merge")
    .map((row) => ({ row, body: requestBody(row) as { sourceUserUid?: unknown; targetUserUid?: unknown } | null }))
    .filter(({ body }) => typeof body?.sourceUserUid === "string" && typeof body.targetUserUid === "string")
    .map(({ row, body }) => ({ at: row.updatedAt, sourceUserUid: body!.sourceUserUid as string, targetUserUid: body!.targetUserUid as string, status: row.status, logId: row.id }))
    .reverse();
  const attributes = rebuildAttributes(rows, inboundById, configuration, null);
  for (const merge of merges) {
    if (merge.status !== "delivered" || merge.targetUserUid !== userId) continue;
    const sourceRows = (input.mergedRows.get(merge.sourceUserUid) ?? []).filter((row) => row.id < merge.logId);
    for (const [key, state] of rebuildAttributes(sourceRows, inboundById, configuration, merge.sourceUserUid)) attributes.set(key, state);
  }

  const { warnings, drops } = collectWarnings(rows, configuration);

  const base = {
    userId,
    generatedAt: input.now,
    logRows: rows.length,
    truncated: input.truncated,
    attributes: [...attributes.values()].sort((a, b) => a.key.localeCompare(b.key)),
    warnings,
    merges,
    manifest: input.manifest,
  };
  if (!input.definitions.ok) {
    return { ...base, definitions: { ok: false, reason: input.definitions.reason }, audiences: [], experiences: [], verdict: `Cannot explain this user's variants: ${input.definitions.reason}.` };
  }
  const definitions = input.definitions.definitions;
  const keyByRef = new Map<string, string>();
  for (const attribute of definitions.attributes) {
    keyByRef.set(attribute.key, attribute.key);
    if (attribute.uid) keyByRef.set(attribute.uid, attribute.key);
  }
  const values = Object.fromEntries([...attributes.values()].map((state) => [state.key, state.value]));
  const audiences: AudienceVerdict[] = definitions.audiences.map((audience) => {
    const tree = evaluateDefinition(audience.definition, (ref) => keyByRef.get(ref), values);
    return { uid: audience.uid, name: audience.name, result: tree.result, reason: audienceReason(quote(audience.name), tree, drops), tree };
  });
  const audienceByUid = new Map(audiences.map((audience) => [audience.uid, audience]));
  const refs = (uids: readonly string[]) =>
    uids.map((uid) => {
      const audience = audienceByUid.get(uid);
      return { uid, name: audience?.name ?? uid, result: audience ? audience.result : null };
    });

  const experiences = definitions.experiences.map((experience): ExperienceVerdict => {
    const targetingRefs = experience.targeting ? refs(experience.targeting.audiences) : null;
    const targeting = experience.targeting && targetingRefs
      ? { combinationType: experience.targeting.audienceCombinationType, audiences: targetingRefs, result: combine(experience.targeting.audienceCombinationType, targetingRefs) }
      : null;
    const variants = experience.variants.map((variant) => {
      const audiencesOfVariant = refs(variant.audiences);
      return {
        shortUid: variant.shortUid,
        name: variant.name,
        combinationType: variant.audienceCombinationType,
        audiences: audiencesOfVariant,
        result: audiencesOfVariant.length ? combine(variant.audienceCombinationType, audiencesOfVariant) : null,
      };
    });
    const expected = expectedVariant(experience.status, experience.type, targeting?.result ?? true, variants);
    const answered = input.manifest.ok && Object.hasOwn(input.manifest.assignments, experience.shortUid) ? input.manifest.assignments[experience.shortUid] : undefined;
    const manifestVariant =
      answered === undefined ? undefined : answered === null ? null : { shortUid: answered, name: variants.find((v) => v.shortUid === answered)?.name ?? answered };
    const verdict = experienceVerdict(experience.name, experience.status, targeting, variants, manifestVariant, expected, audienceByUid);
    return {
      shortUid: experience.shortUid,
      name: experience.name,
      type: experience.type,
      status: experience.status,
      priority: experience.priority,
      targeting,
      variants,
      expectedVariant: expected.variant,
      expectedKnown: expected.known,
      ...(manifestVariant === undefined ? {} : { manifestVariant }),
      verdict,
    };
  });

  return {
    ...base,
    definitions: { ok: true, fetchedAt: definitions.fetchedAt, unreadable: definitions.unreadable },
    audiences,
    experiences,
    verdict: overallVerdict(audiences, experiences),
  };
}

type VariantVerdict = ExperienceVerdict["variants"][number];

function expectedVariant(status: string, type: string, targeting: boolean | null, variants: readonly VariantVerdict[]): { variant: string | null; known: boolean } {
  if (status !== "ACTIVE" || targeting === false) return { variant: null, known: true };
  if (type !== "SEGMENTED") return { variant: null, known: false };
  for (const variant of variants) {
    if (variant.result === null) return { variant: null, known: false };
    if (variant.result) return { variant: variant.shortUid, known: targeting === true };
  }
  return { variant: null, known: true };
}

function experienceVerdict(
  name: string,
  status: string,
  targeting: ExperienceVerdict["targeting"],
  variants: readonly VariantVerdict[],
  manifestVariant: ExperienceVerdict["manifestVariant"],
  expected: { variant: string | null; known: boolean },
  audienceByUid: ReadonlyMap<string, AudienceVerdict>,
): string {
  const experience = quote(name);
  if (status !== "ACTIVE") return `${experience} is ${status.toLowerCase()}, so no one gets a variant.`;
  const shown = manifestVariant ?? (expected.known && expected.variant !== null ? { shortUid: expected.variant, name: variants.find((v) => v.shortUid === expected.variant)!.name } : null);
  if (shown) {
    const variant = variants.find((v) => v.shortUid === shown.shortUid);
    const matched = variant?.audiences.filter((audience) => audience.result === true).map((audience) => quote(audience.name)) ?? [];
    const why = matched.length ? ` because ${matched.join(" and ")} ${matched.length === 1 ? "matches" : "match"}` : variant && variant.audiences.length === 0 ? " (A/B split)" : "";
    const differs = manifestVariant && expected.known && expected.variant !== manifestVariant.shortUid ? "; the rules here give another answer, so Personalize may hold values this app did not send" : "";
    return `Gets ${quote(shown.name)} in ${experience}${why}${differs}.`;
  }
  const relevant =
    targeting?.audiences.find((audience) => audience.result !== true) ??
    variants.flatMap((variant) => variant.audiences).find((audience) => audience.result !== true);
  const reason = relevant ? audienceByUid.get(relevant.uid)?.reason : undefined;
  return `No variant of ${experience}${reason ? `: ${reason}` : ""}.`;
}

function overallVerdict(audiences: readonly AudienceVerdict[], experiences: readonly ExperienceVerdict[]): string {
  const active = experiences.filter((experience) => experience.status === "ACTIVE").sort((a, b) => a.priority - b.priority);
  if (active.length === 0) return "The project has no active experience, so no one gets a variant.";
  const served = active.find((experience) => experience.manifestVariant || (experience.expectedKnown && experience.expectedVariant !== null));
  if (served) return served.verdict;
  const undecided = active.find((experience) => experience.targeting?.result === null || experience.variants.some((variant) => variant.result === null));
  if (audiences.length > 0 && audiences.every((audience) => audience.result === false)) {
    return `Matches none of the ${audiences.length} audiences, so no experience shows a variant; ${active[0]!.verdict.replace(/^No variant of [^:]+: /, "")}`;
  }
  return (undecided ?? active[0]!).verdict;
}
