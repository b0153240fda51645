/**
 * Audience rules as the Personalize Management API returns them (personalize-api.md §7.3), the types they imply for
 * attributes, and their evaluation condition by condition. Shared by the server (evaluator, mapping, inspector) and
 * the UI (user view, config screen).
 */
import { z } from "zod";

export const RULE_CONDITIONS = [
  "STRING_EQUALS",
  "CONTAINS_SUBSTRING",
  "HAS_ANY_VALUE",
  "IS_TRUE",
  "IS_FALSE",
  "NUMBER_LESS_THAN",
  "NUMBER_GREATER_THAN",
  "NUMBER_EQUAL_TO",
  "JSON_MATCH",
  "IS_MEMBER_OF",
  "BEFORE_TIME",
  "AFTER_TIME",
  "BETWEEN_TIME",
] as const;
export type RuleCondition = (typeof RULE_CONDITIONS)[number];

/** The type of value a rule condition compares; null when any value will do (HAS_ANY_VALUE). */
export type RuleValueType = "string" | "number" | "boolean" | "date" | "json" | "list";

export const CONDITION_VALUE_TYPE: Readonly<Record<RuleCondition, RuleValueType | null>> = {
  STRING_EQUALS: "string",
  CONTAINS_SUBSTRING: "string",
  HAS_ANY_VALUE: null,
  IS_TRUE: "boolean",
  IS_FALSE: "boolean",
  NUMBER_LESS_THAN: "number",
  NUMBER_GREATER_THAN: "number",
  NUMBER_EQUAL_TO: "number",
  JSON_MATCH: "json",
  IS_MEMBER_OF: "list",
  BEFORE_TIME: "date",
  AFTER_TIME: "date",
  BETWEEN_TIME: "date",
};

const matchValueSchema = z.union([z.string(), z.number(), z.object({ from: z.string(), to: z.string() })]);

export const ruleSchema = z.object({
  __type: z.literal("Rule"),
  attribute: z.object({ __type: z.string(), ref: z.string() }),
  // Read as a plain string: a condition Personalize adds later must not make a whole audience unreadable.
  attributeMatchCondition: z.string(),
  attributeMatchOptions: z.object({ __type: z.string().optional(), value: matchValueSchema.optional() }).passthrough().optional(),
  invertCondition: z.boolean().optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

export interface RuleCombination {
  __type: "RuleCombination";
  combinationType: "AND" | "OR";
  rules: Array<Rule | RuleCombination>;
}

export const ruleCombinationSchema: z.ZodType<RuleCombination> = z.lazy(() =>
  z.object({
    __type: z.literal("RuleCombination"),
    combinationType: z.enum(["AND", "OR"]),
    rules: z.array(z.union([ruleSchema, ruleCombinationSchema])),
  }),
);

/**
 * Why a rule holds or not. `passes`/`fails`: compared; `missing`: the user has no value; `wrong_type`: the value is
 * not of the type the condition compares; `cannot_evaluate`: a preset attribute Personalize reads from the
 * visitor's request (COUNTRY, DEVICE_TYPE, …) or a condition this app does not know.
 */
export type RuleOutcome = "passes" | "fails" | "missing" | "wrong_type" | "cannot_evaluate";

export interface EvaluatedRule {
  kind: "rule";
  /** The attribute's key (custom) or the preset's name. */
  attribute: string;
  preset: boolean;
  condition: string;
  /** What the rule compares with, as the audience states it. */
  expected: string | number | { from: string; to: string } | null;
  inverted: boolean;
  outcome: RuleOutcome;
  /** The user's value; absent when missing or not known here. */
  value?: unknown;
  /** true/false after invertCondition; null when it cannot be known here. */
  result: boolean | null;
  /** One sentence: "lifetime_value is 450, wanted more than 100". */
  explanation: string;
}

export interface EvaluatedCombination {
  kind: "combination";
  combinationType: "AND" | "OR";
  result: boolean | null;
  rules: EvaluatedNode[];
}

export type EvaluatedNode = EvaluatedRule | EvaluatedCombination;

/** One attribute's type as the project's audiences need it, and which audiences need it so. */
export interface AttributeRequirement {
  key: string;
  type: RuleValueType;
  audiences: string[];
  /** Audiences that compare the same attribute as another type: no value can satisfy them all. */
  conflicts: Array<{ audience: string; type: RuleValueType }>;
}

const valueTypeSchema = z.enum(["string", "number", "boolean", "date", "json", "list"]);

export const attributeRequirementSchema = z.object({
  key: z.string(),
  type: valueTypeSchema,
  audiences: z.array(z.string()),
  conflicts: z.array(z.object({ audience: z.string(), type: valueTypeSchema })),
});

/** `GET /api/audiences/requirements`: the types the saved project's audiences need, and the Engage keys feeding them. */
export const requirementsResponseSchema = z.union([
  z.object({
    ok: z.literal(true),
    fetchedAt: z.number(),
    requirements: z.array(attributeRequirementSchema),
    /** Engage computations seen in recent traffic, with the attribute they set and the audiences that read it. */
    engage: z.array(z.object({ computationKey: z.string(), computationClass: z.string(), attribute: z.string(), audiences: z.array(z.string()) })),
  }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
export type RequirementsResponse = z.infer<typeof requirementsResponseSchema>;

/** `POST /api/audiences/impact {attributes}`: for each value, the type audiences need and the rules it satisfies or breaks. */
export const impactRequestSchema = z.object({
  attributes: z.record(z.string(), z.unknown()).refine((attributes) => Object.keys(attributes).length <= 1000, "must have at most 1000 keys"),
});
export const impactResponseSchema = z.union([
  z.object({
    ok: z.literal(true),
    attributes: z.array(
      z.object({
        key: z.string(),
        value: z.unknown(),
        /** The type audience rules compare it as; null when no audience reads it. */
        requiredType: valueTypeSchema.nullable(),
        audiences: z.array(z.object({ audience: z.string(), effect: z.enum(["satisfies", "breaks", "depends"]), explanation: z.string() })),
      }),
    ),
  }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
export type ImpactResponse = z.infer<typeof impactResponseSchema>;
