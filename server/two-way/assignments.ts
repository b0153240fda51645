/**
 * Pure pieces of the two-way sync: read a `/manifest` body, diff it against the assignments last sent to
 * Segment, and build the Segment calls in the shape of Segment's A/B-testing spec ("Experiment Viewed").
 */
import { createHash } from "node:crypto";

/** experience shortUid → active variant shortUid (null: in no variant). */
export type Assignments = Record<string, string | null>;

export interface ExperienceNames {
  [experienceShortUid: string]: { name: string; variants: Record<string, string> };
}

export interface AssignmentChange {
  experienceShortUid: string;
  variantShortUid: string;
}

/** Reads `{"experiences":[{shortUid, activeVariantShortUid}]}`; null when the body is not that shape. */
export function parseManifest(body: string): Assignments | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const experiences = (parsed as { experiences?: unknown }).experiences;
  if (!Array.isArray(experiences)) return null;
  const assignments: Assignments = {};
  for (const item of experiences) {
    const { shortUid, activeVariantShortUid } = (item ?? {}) as Record<string, unknown>;
    if (typeof shortUid !== "string") return null;
    assignments[shortUid] = typeof activeVariantShortUid === "string" ? activeVariantShortUid : null;
  }
  return assignments;
}

/** Experiences whose active variant is now a different, non-null one. */
export function changedAssignments(previous: Assignments, current: Assignments): AssignmentChange[] {
  return Object.entries(current).flatMap(([experienceShortUid, variantShortUid]) =>
    variantShortUid !== null && previous[experienceShortUid] !== variantShortUid ? [{ experienceShortUid, variantShortUid }] : [],
  );
}

/** Stable across replays, so Segment de-duplicates a resend (segment.md §4). */
export function assignmentMessageId(installationUid: string, userId: string, change: AssignmentChange): string {
  const digest = createHash("sha256")
    .update([installationUid, userId, change.experienceShortUid, change.variantShortUid].join("\u0000"))
    .digest("hex");
  return `personalize-${digest.slice(0, 40)}`;
}

export interface SegmentCall {
  type: "track" | "identify";
  userId: string;
  messageId: string;
  event?: string;
  properties?: Record<string, string>;
  traits?: Record<string, unknown>;
  context: Record<string, unknown>;
  timestamp: string;
}

export function assignmentCalls(input: {
  installationUid: string;
  projectUid: string;
  userId: string;
  changes: AssignmentChange[];
  current: Assignments;
  names: ExperienceNames;
  eventName: string;
  identifyTrait: string;
  timestamp: string;
}): SegmentCall[] {
  const context = { integration: { name: "contentstack-personalize-sync" } };
  const calls: SegmentCall[] = input.changes.map((change) => {
    const names = input.names[change.experienceShortUid];
    const properties: Record<string, string> = {
      experiment_id: change.experienceShortUid,
      variation_id: change.variantShortUid,
      personalize_project_uid: input.projectUid,
    };
    if (names) properties.experiment_name = names.name;
    const variationName = names?.variants[change.variantShortUid];
    if (variationName) properties.variation_name = variationName;
    return {
      type: "track",
      userId: input.userId,
      messageId: assignmentMessageId(input.installationUid, input.userId, change),
      event: input.eventName,
      properties,
      context,
      timestamp: input.timestamp,
    };
  });
  if (input.identifyTrait && input.changes.length > 0) {
    const variants = Object.fromEntries(Object.entries(input.current).filter(([, variant]) => variant !== null));
    const digest = createHash("sha256").update(JSON.stringify([input.installationUid, input.userId, variants])).digest("hex");
    calls.push({
      type: "identify",
      userId: input.userId,
      messageId: `personalize-traits-${digest.slice(0, 40)}`,
      traits: { [input.identifyTrait]: variants },
      context,
      timestamp: input.timestamp,
    });
  }
  return calls;
}
