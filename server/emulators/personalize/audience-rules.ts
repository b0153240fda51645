/**
 * Audience definitions in the Management API's wire form (personalize-api.md §7.3), compiled once into predicates
 * over a user's stored attributes so /manifest evaluation stays cheap.
 */
import { z } from "zod";
import { InputError } from "./input-error.ts";

export const EMULATED_CONDITIONS = [
  "STRING_EQUALS",
  "CONTAINS_SUBSTRING",
  "HAS_ANY_VALUE",
  "IS_TRUE",
  "IS_FALSE",
  "NUMBER_LESS_THAN",
  "NUMBER_GREATER_THAN",
  "NUMBER_EQUAL_TO",
] as const;
type Condition = (typeof EMULATED_CONDITIONS)[number];

export interface Rule {
  __type: "Rule";
  attribute: { __type: "CustomAttributeReference"; ref: string };
  attributeMatchCondition: Condition;
  attributeMatchOptions?: { __type?: string; value?: string | number };
  invertCondition?: boolean;
}

export interface RuleCombination {
  __type: "RuleCombination";
  combinationType: "AND" | "OR";
  rules: Array<Rule | RuleCombination>;
}

const ruleSchema = z.object({
  __type: z.literal("Rule"),
  attribute: z.object({
    // Preset attributes (COUNTRY, DEVICE_TYPE, …) come from the visitor's request, which the emulator does not model.
    __type: z.literal("CustomAttributeReference", { error: "only CustomAttributeReference rules are emulated" }),
    ref: z.string().min(1),
  }),
  attributeMatchCondition: z.enum(EMULATED_CONDITIONS, {
    error: `condition is not emulated; use one of ${EMULATED_CONDITIONS.join(", ")}`,
  }),
  attributeMatchOptions: z.object({ __type: z.string().optional(), value: z.union([z.string(), z.number()]).optional() }).optional(),
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
export type AttributePredicate = (attributes: Attributes) => boolean;

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  // The doc's own example stores numbers as strings (`{"age": "10"}`), so numeric strings compare as numbers.
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function conditionTest(rule: Rule, path: string): (value: unknown) => boolean {
  const condition = rule.attributeMatchCondition;
  const expected = rule.attributeMatchOptions?.value;
  const requireString = (): string => {
    if (typeof expected !== "string") {
      throw new InputError(path, `valid matchOptions is required for ${condition} condition`);
    }
    return expected;
  };
  const requireNumber = (): number => {
    if (typeof expected !== "number" || !Number.isFinite(expected)) {
      throw new InputError(path, `valid matchOptions is required for ${condition} condition`);
    }
    return expected;
  };
  switch (condition) {
    case "STRING_EQUALS": {
      const target = requireString();
      return (value) => isScalar(value) && String(value) === target;
    }
    case "CONTAINS_SUBSTRING": {
      const target = requireString();
      return (value) => isScalar(value) && String(value).includes(target);
    }
    case "HAS_ANY_VALUE":
      return (value) => value !== undefined && value !== null && value !== "";
    case "IS_TRUE":
      return (value) => value === true || value === "true";
    case "IS_FALSE":
      return (value) => value === false || value === "false";
    case "NUMBER_LESS_THAN": {
      const target = requireNumber();
      return (value) => (toNumber(value) ?? Number.NaN) < target;
    }
    case "NUMBER_GREATER_THAN": {
      const target = requireNumber();
      return (value) => (toNumber(value) ?? Number.NaN) > target;
    }
    case "NUMBER_EQUAL_TO": {
      const target = requireNumber();
      return (value) => toNumber(value) === target;
    }
  }
}

/**
 * Compiles a definition whose rules reference attributes by uid or key. Returns the predicate and the definition
 * with every reference rewritten to the attribute's uid, as `GET /audiences` shows it.
 */
export function compileRuleCombination(
  definition: RuleCombination,
  attributeByRef: (ref: string) => { uid: string; key: string } | undefined,
  path: string,
): { predicate: AttributePredicate; definition: RuleCombination } {
  const parts = definition.rules.map((node, index) => {
    const nodePath = `${path}.rules[${index}]`;
    if (node.__type === "RuleCombination") return compileRuleCombination(node, attributeByRef, nodePath);
    const attribute = attributeByRef(node.attribute.ref);
    if (!attribute) throw new InputError(`${nodePath}.attribute.ref`, `no attribute with uid or key "${node.attribute.ref}"`);
    const test = conditionTest(node, nodePath);
    const key = attribute.key;
    const predicate: AttributePredicate = node.invertCondition
      ? (attributes) => !test(attributes[key])
      : (attributes) => test(attributes[key]);
    return { predicate, definition: { ...node, attribute: { ...node.attribute, ref: attribute.uid } } };
  });
  const predicates = parts.map((part) => part.predicate);
  const predicate: AttributePredicate =
    definition.combinationType === "AND"
      ? (attributes) => predicates.every((test) => test(attributes))
      : (attributes) => predicates.some((test) => test(attributes));
  return { predicate, definition: { ...definition, rules: parts.map((part) => part.definition) } };
}
