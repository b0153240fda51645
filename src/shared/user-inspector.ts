/**
 * The user inspector's contract (`GET /api/inspector/user?userId=`, `POST /api/inspector/forget`): what this app set
 * for one user in Personalize, what it dropped or converted and why, the project's audiences evaluated rule by
 * rule, the active experiences next to what Edge /manifest returns now, and one verdict sentence.
 */
import { z } from "zod";
import type { EvaluatedCombination, EvaluatedNode } from "./audiences";

/** A userId or anonymousId as Segment sends it (segment.md §4 caps ids far below this). */
export const userIdSchema = z.string().trim().min(1, "is required").max(512, "must be at most 512 characters");

const evaluatedRuleSchema = z.object({
  kind: z.literal("rule"),
  attribute: z.string(),
  preset: z.boolean(),
  condition: z.string(),
  expected: z.union([z.string(), z.number(), z.object({ from: z.string(), to: z.string() })]).nullable(),
  inverted: z.boolean(),
  outcome: z.enum(["passes", "fails", "missing", "wrong_type", "cannot_evaluate"]),
  value: z.unknown().optional(),
  result: z.boolean().nullable(),
  explanation: z.string(),
});

export const evaluatedCombinationSchema: z.ZodType<EvaluatedCombination> = z.lazy(() =>
  z.object({
    kind: z.literal("combination"),
    combinationType: z.enum(["AND", "OR"]),
    result: z.boolean().nullable(),
    rules: z.array(z.union([evaluatedRuleSchema, evaluatedCombinationSchema])),
  }),
) as z.ZodType<EvaluatedCombination>;

export const attributeStateSchema = z.object({
  key: z.string(),
  value: z.unknown(),
  /** The JSON type of the value Personalize holds. */
  type: z.enum(["string", "number", "boolean", "other"]),
  /** When the request that set it was delivered (epoch ms). */
  setAt: z.number(),
  /** The outbound request row, and the inbound event row it came from when known. */
  requestLogId: z.number(),
  eventLogId: z.number().nullable(),
  /** "identify", "track Order Completed", …; null when the event row is gone. */
  event: z.string().nullable(),
  /** What produced it: `row:<id> (traits.x → key)`, `passthrough:traits.x`, `engage:<key>`, or a merge. */
  source: z.string(),
  /** Set on the anonymous profile and merged into this one. */
  mergedFrom: z.string().nullable(),
});

export const warningSchema = z.object({
  kind: z.enum(["dropped", "converted", "filtered", "failed", "pending", "note"]),
  attribute: z.string().nullable(),
  message: z.string(),
  at: z.number(),
  logId: z.number(),
});

export const mergeSchema = z.object({
  at: z.number(),
  sourceUserUid: z.string(),
  targetUserUid: z.string(),
  status: z.string(),
  logId: z.number(),
});

const audienceRefSchema = z.object({ uid: z.string(), name: z.string(), result: z.boolean().nullable() });

export const audienceVerdictSchema = z.object({
  uid: z.string(),
  name: z.string(),
  result: z.boolean().nullable(),
  /** Why, in one sentence. */
  reason: z.string(),
  tree: evaluatedCombinationSchema,
});

export const experienceVerdictSchema = z.object({
  shortUid: z.string(),
  name: z.string(),
  type: z.string(),
  status: z.string(),
  priority: z.number(),
  targeting: z.object({ combinationType: z.enum(["AND", "OR"]), audiences: z.array(audienceRefSchema), result: z.boolean().nullable() }).nullable(),
  variants: z.array(
    z.object({ shortUid: z.string(), name: z.string(), combinationType: z.enum(["AND", "OR"]), audiences: z.array(audienceRefSchema), result: z.boolean().nullable() }),
  ),
  /** What the rules give from here: a variant shortUid, null (none), or "unknown" (preset rules, A/B split). */
  expectedVariant: z.string().nullable(),
  expectedKnown: z.boolean(),
  /** What Edge /manifest answered now; undefined when it was not asked or does not list the experience. */
  manifestVariant: z.object({ shortUid: z.string(), name: z.string() }).nullable().optional(),
  verdict: z.string(),
});

export const userInspectionSchema = z.object({
  userId: z.string(),
  generatedAt: z.number(),
  /** Log rows read for this user, and whether older ones were left out. */
  logRows: z.number(),
  truncated: z.boolean(),
  attributes: z.array(attributeStateSchema),
  warnings: z.array(warningSchema),
  merges: z.array(mergeSchema),
  definitions: z.union([z.object({ ok: z.literal(true), fetchedAt: z.number(), unreadable: z.array(z.string()) }), z.object({ ok: z.literal(false), reason: z.string() })]),
  audiences: z.array(audienceVerdictSchema),
  experiences: z.array(experienceVerdictSchema),
  manifest: z.union([
    z.object({ ok: z.literal(true), assignments: z.record(z.string(), z.string().nullable()) }),
    z.object({ ok: z.literal(false), reason: z.string() }),
  ]),
  verdict: z.string(),
});

export type UserInspection = z.infer<typeof userInspectionSchema>;
export type AttributeState = z.infer<typeof attributeStateSchema>;
export type InspectionWarning = z.infer<typeof warningSchema>;
export type AudienceVerdict = z.infer<typeof audienceVerdictSchema>;
export type ExperienceVerdict = z.infer<typeof experienceVerdictSchema>;
export type { EvaluatedCombination, EvaluatedNode };

export const forgetResultSchema = z.object({
  removed: z.number(),
  stillOpen: z.number(),
  /** What this app cannot remove, in words (Personalize's own profile, Segment's copy, …). */
  cannotRemove: z.array(z.string()),
  auditLogId: z.number(),
});
export type ForgetResult = z.infer<typeof forgetResultSchema>;
