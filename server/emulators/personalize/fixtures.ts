/**
 * The fixture format (what `loadFixtures` and `POST /__emulator/fixtures` take) and its translation into projects.
 * Audience rules and experiences may reference attributes by uid or key and audiences by uid or name; the stored
 * records always carry uids, as the Management API shows them.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { compileRuleCombination, ruleCombinationSchema, type AttributePredicate } from "./audience-rules.ts";
import { InputError } from "./input-error.ts";
import {
  abTestExperience,
  inactiveExperience,
  segmentedExperience,
  type ManifestExperience,
} from "./manifest.ts";
import {
  authored,
  Project,
  type AttributeRecord,
  type AudienceRecord,
  type AudienceSelection,
  type EventRecord,
  type ExperienceRecord,
} from "./project.ts";
import { strictnessOverridesSchema, type Strictness } from "./strictness.ts";

/** Personalize project uids are 24 letters or digits (personalize-api.md §3.1). */
export const PROJECT_UID_PATTERN = /^[A-Za-z0-9]{24}$/;

const uid = z.string().regex(/^[A-Za-z0-9]{1,64}$/, "must be 1–64 letters or digits");

const audienceSelectionSchema = z.object({
  audiences: z.array(z.string().min(1)).min(1),
  audienceCombinationType: z.enum(["AND", "OR"]).default("OR"),
});

const definitionFixture = z.object({
  uid: uid.optional(),
  key: z.string().min(1),
  name: z.string().optional(),
  description: z.string().default(""),
});

const audienceFixture = z.object({
  uid: uid.optional(),
  name: z.string().min(1),
  description: z.string().default(""),
  definition: ruleCombinationSchema,
});

const variantFixture = z.object({
  shortUid: z.string().min(1),
  name: z.string().min(1),
  /** SEGMENTED: the variant's audiences (required). */
  audiences: z.array(z.string().min(1)).min(1).optional(),
  audienceCombinationType: z.enum(["AND", "OR"]).optional(),
  /** AB_TEST: share of traffic; all variants or none (then an even split). */
  trafficDistribution: z.number().nonnegative().optional(),
});

const experienceFixture = z.object({
  uid: uid.optional(),
  shortUid: z.string().min(1),
  name: z.string().min(1),
  description: z.string().default(""),
  __type: z.enum(["SEGMENTED", "AB_TEST"]),
  /** Only ACTIVE experiences get a variant; anything else (DRAFT, PAUSED, …) answers `null`. */
  status: z.string().default("ACTIVE"),
  tags: z.array(z.string()).default([]),
  targeting: z.object({ audience: audienceSelectionSchema.optional() }).strict().default({}),
  variants: z.array(variantFixture).min(1),
});

const projectFixture = z
  .object({
    uid: z.string().regex(PROJECT_UID_PATTERN, "must be 24 letters or digits"),
    name: z.string().min(1).optional(),
    description: z.string().default(""),
    organizationUid: z.string().min(1).default("emulatororganization0001"),
    connectedStackApiKey: z.string().min(1).optional(),
    /** Accepted as `authtoken` or `authorization: Bearer` on the Management API. */
    managementTokens: z.array(z.string().min(1)).default([]),
    attributes: z.array(definitionFixture).default([]),
    events: z.array(definitionFixture).default([]),
    audiences: z.array(audienceFixture).default([]),
    /** In priority order: the manifest lists them in this order. */
    experiences: z.array(experienceFixture).default([]),
    strictness: strictnessOverridesSchema.default({}),
    /** COUNTRY / REGION / CITY of visitors by client address (X-Forwarded-For or the socket), for preset rules. */
    visitorGeo: z.record(z.string(), z.object({ country: z.string().min(1), region: z.string().optional(), city: z.string().optional() })).default({}),
  })
  .strict();

export const fixturesSchema = z
  .object({
    projects: z.array(projectFixture).default([]),
    /** Defaults for every project (merged into the current defaults); also governs requests naming no known project. */
    strictness: strictnessOverridesSchema.optional(),
  })
  .strict();

export type EmulatorFixtures = z.input<typeof fixturesSchema>;
export type ProjectFixture = z.input<typeof projectFixture>;
type ParsedProjectFixture = z.output<typeof projectFixture>;
type ParsedFixtures = z.output<typeof fixturesSchema>;

function zodPath(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("").replace(/^\./, "");
}

export function parseFixtures(input: unknown): ParsedFixtures {
  const parsed = fixturesSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(zodPath(issue.path), issue.message);
  }
  return parsed.data;
}

/** Fixture records without a uid get one derived from their key, so uids survive a reset or a restart. */
function stableUid(projectUid: string, kind: string, key: string): string {
  return createHash("sha1").update(`${projectUid}\u0000${kind}\u0000${key}`).digest("hex").slice(0, 24);
}

/** Looks records up by uid or by a second key (attribute key, audience name). */
function refIndex<T extends { uid: string }>(items: readonly T[], alternateKey: (item: T) => string) {
  const index = new Map<string, T>();
  for (const item of items) index.set(alternateKey(item), item);
  // Uids go in last so a uid wins over a key or name that happens to equal it.
  for (const item of items) index.set(item.uid, item);
  return (ref: string): T | undefined => index.get(ref);
}

function assertUnique(values: readonly string[], path: string, what: string): void {
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (seen.has(value)) throw new InputError(`${path}[${index}]`, `duplicate ${what} "${value}"`);
    seen.add(value);
  });
}

export function buildProject(fixture: ParsedProjectFixture, defaults: Strictness, path: string): Project {
  const projectUid = fixture.uid;
  const now = new Date().toISOString();
  const author = authored(projectUid, now);

  assertUnique(fixture.attributes.map((a) => a.key), `${path}.attributes`, "attribute key");
  const attributes: AttributeRecord[] = fixture.attributes.map((attribute) => {
    const attributeUid = attribute.uid ?? stableUid(projectUid, "attribute", attribute.key);
    return {
      _id: attributeUid,
      uid: attributeUid,
      name: attribute.name ?? attribute.key,
      key: attribute.key,
      description: attribute.description,
      ...author,
      __type: "CUSTOM",
    };
  });

  assertUnique(fixture.events.map((e) => e.key), `${path}.events`, "event key");
  const events: EventRecord[] = fixture.events.map((event) => {
    const eventUid = event.uid ?? stableUid(projectUid, "event", event.key);
    return {
      _id: eventUid,
      uid: eventUid,
      key: event.key,
      ...(event.name === undefined ? {} : { name: event.name }),
      description: event.description,
      ...author,
    };
  });

  const attributeByRef = refIndex(attributes, (a) => a.key);
  assertUnique(fixture.audiences.map((a) => a.name), `${path}.audiences`, "audience name");
  const audiencePredicates = new Map<string, AttributePredicate>();
  const audiences: AudienceRecord[] = fixture.audiences.map((audience, index) => {
    const audienceUid = audience.uid ?? stableUid(projectUid, "audience", audience.name);
    const compiled = compileRuleCombination(audience.definition, attributeByRef, `${path}.audiences[${index}].definition`);
    audiencePredicates.set(audienceUid, compiled.predicate);
    return {
      _id: audienceUid,
      uid: audienceUid,
      name: audience.name,
      description: audience.description,
      definition: compiled.definition,
      ...author,
    };
  });

  const audienceByRef = refIndex(audiences, (a) => a.name);
  const resolveSelection = (selection: AudienceSelection, selectionPath: string) => {
    const uids = selection.audiences.map((ref, index) => {
      const audience = audienceByRef(ref);
      if (!audience) throw new InputError(`${selectionPath}.audiences[${index}]`, `no audience with uid or name "${ref}"`);
      return audience.uid;
    });
    const predicates = uids.map((audienceUid) => audiencePredicates.get(audienceUid)!);
    const predicate: AttributePredicate =
      selection.audienceCombinationType === "AND"
        ? (attrs, context) => predicates.every((matches) => matches(attrs, context))
        : (attrs, context) => predicates.some((matches) => matches(attrs, context));
    return { selection: { audiences: uids, audienceCombinationType: selection.audienceCombinationType }, predicate };
  };

  assertUnique(fixture.experiences.map((e) => e.shortUid), `${path}.experiences`, "experience shortUid");
  const manifestExperiences: ManifestExperience[] = [];
  const experiences: ExperienceRecord[] = fixture.experiences.map((experience, index) => {
    const experiencePath = `${path}.experiences[${index}]`;
    const experienceUid = experience.uid ?? stableUid(projectUid, "experience", experience.shortUid);
    assertUnique(experience.variants.map((v) => v.shortUid), `${experiencePath}.variants`, "variant shortUid");
    const targeting = experience.targeting.audience
      ? resolveSelection(experience.targeting.audience, `${experiencePath}.targeting.audience`)
      : null;
    const tags = experience.tags.map((tag) => tag.toLowerCase());
    const record: ExperienceRecord = {
      _id: experienceUid,
      uid: experienceUid,
      shortUid: experience.shortUid,
      name: experience.name,
      description: experience.description,
      __type: experience.__type,
      status: experience.status,
      tags: experience.tags,
      targeting: targeting ? { audience: targeting.selection } : {},
      variants: [],
      ...author,
    };

    let compiled: ManifestExperience;
    if (experience.__type === "SEGMENTED") {
      const variants = experience.variants.map((variant, variantIndex) => {
        const variantPath = `${experiencePath}.variants[${variantIndex}]`;
        if (!variant.audiences) throw new InputError(variantPath, "a SEGMENTED variant needs audiences");
        if (variant.trafficDistribution !== undefined) {
          throw new InputError(variantPath, "trafficDistribution is for AB_TEST variants");
        }
        const resolved = resolveSelection(
          { audiences: variant.audiences, audienceCombinationType: variant.audienceCombinationType ?? "OR" },
          variantPath,
        );
        record.variants.push({ shortUid: variant.shortUid, name: variant.name, ...resolved.selection });
        return { shortUid: variant.shortUid, matches: resolved.predicate };
      });
      compiled = segmentedExperience(experience.shortUid, tags, targeting?.predicate ?? null, variants);
    } else {
      const weighted = experience.variants.filter((variant) => variant.trafficDistribution !== undefined).length;
      if (weighted !== 0 && weighted !== experience.variants.length) {
        throw new InputError(`${experiencePath}.variants`, "give trafficDistribution to every variant or to none");
      }
      const variants = experience.variants.map((variant, variantIndex) => {
        if (variant.audiences) {
          throw new InputError(`${experiencePath}.variants[${variantIndex}]`, "AB_TEST variants take no audiences; use targeting");
        }
        record.variants.push({
          shortUid: variant.shortUid,
          name: variant.name,
          ...(variant.trafficDistribution === undefined ? {} : { trafficDistribution: variant.trafficDistribution }),
        });
        return { shortUid: variant.shortUid, weight: variant.trafficDistribution ?? 1 };
      });
      if (!variants.some((variant) => variant.weight > 0)) {
        throw new InputError(`${experiencePath}.variants`, "trafficDistribution sums to 0");
      }
      compiled = abTestExperience(experience.shortUid, experienceUid, tags, targeting?.predicate ?? null, variants);
    }
    manifestExperiences.push(experience.status === "ACTIVE" ? compiled : inactiveExperience(experience.shortUid, tags));
    return record;
  });

  return new Project(
    {
      uid: projectUid,
      name: fixture.name ?? `Project ${projectUid}`,
      description: fixture.description,
      organizationUid: fixture.organizationUid,
      connectedStackApiKey: fixture.connectedStackApiKey ?? null,
      managementTokens: new Set(fixture.managementTokens),
      createdAt: now,
      attributes,
      events,
      audiences,
      experiences,
      manifestExperiences,
      strictnessOverrides: fixture.strictness,
      visitorGeo: new Map(Object.entries(fixture.visitorGeo)),
    },
    defaults,
  );
}
