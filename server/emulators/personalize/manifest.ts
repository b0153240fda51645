/**
 * /manifest evaluation: which variant of each experience a user gets, from the user's stored attributes.
 */
import type { AttributePredicate, Attributes, RuleContext } from "./audience-rules.ts";

export interface ManifestEntry {
  shortUid: string;
  activeVariantShortUid: string | null;
}

export interface ManifestExperience {
  shortUid: string;
  /** Lower-cased tags, for the case-insensitive `tags[]` filter. */
  tags: readonly string[];
  activeVariant(userUid: string, attributes: Attributes, context: RuleContext): string | null;
}

export interface SegmentedVariant {
  shortUid: string;
  matches: AttributePredicate;
}

export interface SplitVariant {
  shortUid: string;
  /** Relative share of traffic; shares need not sum to 100. */
  weight: number;
}

export function segmentedExperience(
  shortUid: string,
  tags: readonly string[],
  targeting: AttributePredicate | null,
  variants: readonly SegmentedVariant[],
): ManifestExperience {
  return {
    shortUid,
    tags,
    activeVariant(_userUid, attributes, context) {
      if (targeting && !targeting(attributes, context)) return null;
      return variants.find((variant) => variant.matches(attributes, context))?.shortUid ?? null;
    },
  };
}

export function abTestExperience(
  shortUid: string,
  experienceUid: string,
  tags: readonly string[],
  targeting: AttributePredicate | null,
  variants: readonly SplitVariant[],
): ManifestExperience {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  return {
    shortUid,
    tags,
    activeVariant(userUid, attributes, context) {
      if (targeting && !targeting(attributes, context)) return null;
      // The experience uid is part of the hash so a user's buckets in different experiences are independent.
      let point = (hashToUnitInterval(`${experienceUid}:${userUid}`) * total);
      for (const variant of variants) {
        point -= variant.weight;
        if (point < 0) return variant.shortUid;
      }
      return null;
    },
  };
}

export const inactiveExperience = (shortUid: string, tags: readonly string[]): ManifestExperience => ({
  shortUid,
  tags,
  activeVariant: () => null,
});

/** FNV-1a, 32 bit: stable across processes and runs, which the A/B assignment must be. */
function hashToUnitInterval(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000;
}

/** `tags` are the request's `tags[]` values, already lower-cased; an empty list means "no filter". */
export function evaluateManifest(
  experiences: readonly ManifestExperience[],
  userUid: string,
  attributes: Attributes,
  tags: readonly string[],
  context: RuleContext,
): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  for (const experience of experiences) {
    if (tags.length > 0 && !experience.tags.some((tag) => tags.includes(tag))) continue;
    entries.push({ shortUid: experience.shortUid, activeVariantShortUid: experience.activeVariant(userUid, attributes, context) });
  }
  return entries;
}
