/**
 * Audience definitions in the Management API's wire form (personalize-api.md §7.3), compiled once into predicates
 * over a user's stored attributes and the visitor's request, so /manifest evaluation stays cheap.
 *
 * Every §7.3 condition is emulated. The doc names the time conditions, JSON_MATCH and IS_MEMBER_OF but not their
 * option shapes; Unconfirmed, so the emulator takes: BEFORE_TIME / AFTER_TIME `{value: "<ISO-8601>"}`, BETWEEN_TIME
 * `{value: {from: "<ISO-8601>", to: "<ISO-8601>"}}` (inclusive), JSON_MATCH `{value: "<JSON object>"}` (every key of
 * the pattern equals the attribute's value at that key), IS_MEMBER_OF `{value: "<member>"}` (the attribute is a
 * list holding it).
 */
import { z } from "zod";
import { RULE_CONDITIONS } from "../../../src/shared/audiences.ts";
import { InputError } from "./input-error.ts";

/** Every condition of §7.3; the list is shared, how each compares is the emulator's own. */
export const EMULATED_CONDITIONS = RULE_CONDITIONS;
type Condition = (typeof EMULATED_CONDITIONS)[number];

/** Preset attributes Personalize reads from the visitor's request (§7.3 preset refs). */
export const PRESET_REFS = ["COUNTRY", "REGION", "CITY", "DEVICE_TYPE", "OPERATING_SYSTEM", "QUERY_PARAMETERS", "REFERRER", "DATE_AND_TIME"] as const;
export type PresetRef = (typeof PRESET_REFS)[number];

type MatchValue = string | number | { from: string; to: string };

export interface Rule {
  __type: "Rule";
  attribute: { __type: "CustomAttributeReference" | "PresetAttributeReference"; ref: string };
  attributeMatchCondition: Condition;
  attributeMatchOptions?: { __type?: string; value?: MatchValue };
  invertCondition?: boolean;
}

export interface RuleCombination {
  __type: "RuleCombination";
  combinationType: "AND" | "OR";
  rules: Array<Rule | RuleCombination>;
}

const ruleSchema = z.object({
  __type: z.literal("Rule"),
  attribute: z.discriminatedUnion("__type", [
    z.object({ __type: z.literal("CustomAttributeReference"), ref: z.string().min(1) }),
    z.object({ __type: z.literal("PresetAttributeReference"), ref: z.enum(PRESET_REFS, { error: `must be one of ${PRESET_REFS.join(", ")}` }) }),
  ]),
  attributeMatchCondition: z.enum(EMULATED_CONDITIONS, {
    error: `condition is not one of ${EMULATED_CONDITIONS.join(", ")}`,
  }),
  attributeMatchOptions: z
    .object({
      __type: z.string().optional(),
      value: z.union([z.string(), z.number(), z.object({ from: z.string(), to: z.string() })]).optional(),
    })
    .optional(),
  invertCondition: z.boolean().optional(),
});

export const ruleCombinationSchema: z.ZodType<RuleCombination> = z.lazy(() =>
  z.object({
    __type: z.literal("RuleCombination"),
    combinationType: z.enum(["AND", "OR"]),
    rules: z.array(z.union([ruleSchema, ruleCombinationSchema])),
  }),
);

export type Attributes = Readonly<Record<string, unknown>>;

/** What a /manifest request tells about the visitor besides the stored attributes. */
export interface RuleContext {
  /** Preset attribute values read from the request; absent when the request does not carry them. */
  presets: Partial<Record<PresetRef, unknown>>;
  /**
   * Unconfirmed how strictly Personalize types values: strict compares only values of the condition's type
   * (NUMBER_* a JSON number, IS_TRUE the boolean true, …); lenient also reads "500" as 500 and "true" as true.
   */
  typedRules: boolean;
}

export type AttributePredicate = (attributes: Attributes, context: RuleContext) => boolean;
type ValueTest = (value: unknown, context: RuleContext) => boolean;

function toNumber(value: unknown, lenient: boolean): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  // The doc's own example stores numbers as strings (`{"age": "10"}`): the lenient reading compares them as numbers.
  if (lenient && typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** An ISO-8601 string; the lenient reading also takes epoch milliseconds. */
function toTime(value: unknown, lenient = false): number | undefined {
  if (lenient && typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function asText(value: unknown, lenient: boolean): string | undefined {
  if (typeof value === "string") return value;
  return lenient && isScalar(value) ? String(value) : undefined;
}

function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

function deepEqual(left: unknown, right: unknown): boolean {
  if (Object.is(left, right)) return true;
  if (typeof left !== "object" || typeof right !== "object" || left === null || right === null) return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftKeys = Object.keys(left);
  if (leftKeys.length !== Object.keys(right).length) return false;
  return leftKeys.every((key) => deepEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]));
}

function conditionTest(rule: Rule, path: string): ValueTest {
  const condition = rule.attributeMatchCondition;
  const expected = rule.attributeMatchOptions?.value;
  const invalid = () => new InputError(path, `valid matchOptions is required for ${condition} condition`);
  const requireString = (): string => {
    if (typeof expected !== "string") throw invalid();
    return expected;
  };
  const requireNumber = (): number => {
    if (typeof expected !== "number" || !Number.isFinite(expected)) throw invalid();
    return expected;
  };
  const requireTime = (value: unknown): number => {
    const time = toTime(typeof value === "string" ? value : undefined);
    if (time === undefined) throw invalid();
    return time;
  };
  switch (condition) {
    case "STRING_EQUALS": {
      const target = requireString();
      return (value, context) => asText(value, !context.typedRules) === target;
    }
    case "CONTAINS_SUBSTRING": {
      const target = requireString();
      return (value, context) => asText(value, !context.typedRules)?.includes(target) ?? false;
    }
    case "HAS_ANY_VALUE":
      return (value) => value !== undefined && value !== null && value !== "";
    case "IS_TRUE":
      return (value, context) => value === true || (!context.typedRules && value === "true");
    case "IS_FALSE":
      return (value, context) => value === false || (!context.typedRules && value === "false");
    case "NUMBER_LESS_THAN": {
      const target = requireNumber();
      return (value, context) => (toNumber(value, !context.typedRules) ?? Number.NaN) < target;
    }
    case "NUMBER_GREATER_THAN": {
      const target = requireNumber();
      return (value, context) => (toNumber(value, !context.typedRules) ?? Number.NaN) > target;
    }
    case "NUMBER_EQUAL_TO": {
      const target = requireNumber();
      return (value, context) => toNumber(value, !context.typedRules) === target;
    }
    case "JSON_MATCH": {
      const pattern = parseJsonObject(requireString());
      if (!pattern) throw invalid();
      return (value) => {
        const actual = parseJsonObject(value);
        return actual !== undefined && Object.entries(pattern).every(([key, wanted]) => deepEqual(actual[key], wanted));
      };
    }
    case "IS_MEMBER_OF": {
      const member = requireString();
      return (value) => Array.isArray(value) && value.includes(member);
    }
    case "BEFORE_TIME": {
      const limit = requireTime(expected);
      return (value, context) => (toTime(value, !context.typedRules) ?? Number.NaN) < limit;
    }
    case "AFTER_TIME": {
      const limit = requireTime(expected);
      return (value, context) => (toTime(value, !context.typedRules) ?? Number.NaN) > limit;
    }
    case "BETWEEN_TIME": {
      if (typeof expected !== "object" || expected === null) throw invalid();
      const from = requireTime(expected.from);
      const to = requireTime(expected.to);
      return (value, context) => {
        const time = toTime(value, !context.typedRules);
        return time !== undefined && time >= from && time <= to;
      };
    }
  }
}

/**
 * Compiles a definition whose rules reference attributes by uid or key. Returns the predicate and the definition
 * with every custom reference rewritten to the attribute's uid, as `GET /audiences` shows it.
 */
export function compileRuleCombination(
  definition: RuleCombination,
  attributeByRef: (ref: string) => { uid: string; key: string } | undefined,
  path: string,
): { predicate: AttributePredicate; definition: RuleCombination } {
  const parts = definition.rules.map((node, index) => {
    const nodePath = `${path}.rules[${index}]`;
    if (node.__type === "RuleCombination") return compileRuleCombination(node, attributeByRef, nodePath);
    const test = conditionTest(node, nodePath);
    let read: (attributes: Attributes, context: RuleContext) => unknown;
    let compiled: Rule = node;
    if (node.attribute.__type === "PresetAttributeReference") {
      const preset = node.attribute.ref as PresetRef;
      read = (_attributes, context) => context.presets[preset];
    } else {
      const attribute = attributeByRef(node.attribute.ref);
      if (!attribute) throw new InputError(`${nodePath}.attribute.ref`, `no attribute with uid or key "${node.attribute.ref}"`);
      const key = attribute.key;
      read = (attributes) => attributes[key];
      compiled = { ...node, attribute: { ...node.attribute, ref: attribute.uid } };
    }
    const predicate: AttributePredicate = node.invertCondition
      ? (attributes, context) => !test(read(attributes, context), context)
      : (attributes, context) => test(read(attributes, context), context);
    return { predicate, definition: compiled };
  });
  const predicates = parts.map((part) => part.predicate);
  const predicate: AttributePredicate =
    definition.combinationType === "AND"
      ? (attributes, context) => predicates.every((test) => test(attributes, context))
      : (attributes, context) => predicates.some((test) => test(attributes, context));
  return { predicate, definition: { ...definition, rules: parts.map((part) => part.definition) } };
}
