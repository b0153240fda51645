/**
 * Evaluates a Personalize audience definition (personalize-api.md §7.3) against the attributes this app set for a
 * user, condition by condition, saying why each rule holds or not. Pure.
 *
 * Values are compared as typed: "500" does not satisfy NUMBER_GREATER_THAN (attributes carry no type in
 * Personalize; the rule's condition is the only type there is, and a value of another type fails it). Presets are
 * never guessed: Personalize reads them from the visitor's request, which this app does not see. Combinations use
 * three-valued logic, so an AND with a failing rule is false even when another rule cannot be evaluated.
 * Option shapes of JSON_MATCH, IS_MEMBER_OF and the time conditions are Unconfirmed; see the emulator's README.
 */
import {
  CONDITION_VALUE_TYPE,
  RULE_CONDITIONS,
  type EvaluatedCombination,
  type EvaluatedNode,
  type EvaluatedRule,
  type Rule,
  type RuleCombination,
  type RuleCondition,
  type RuleOutcome,
  type RuleValueType,
} from "../../src/shared/audiences.ts";

export type AttributeKeyOf = (ref: string) => string | undefined;

const CONDITION_SET: ReadonlySet<string> = new Set(RULE_CONDITIONS);

const WANTED: Record<RuleCondition, (expected: string) => string> = {
  STRING_EQUALS: (e) => `exactly ${e}`,
  CONTAINS_SUBSTRING: (e) => `text containing ${e}`,
  HAS_ANY_VALUE: () => "any value",
  IS_TRUE: () => "true",
  IS_FALSE: () => "false",
  NUMBER_LESS_THAN: (e) => `less than ${e}`,
  NUMBER_GREATER_THAN: (e) => `more than ${e}`,
  NUMBER_EQUAL_TO: (e) => `equal to ${e}`,
  JSON_MATCH: (e) => `JSON matching ${e}`,
  IS_MEMBER_OF: (e) => `a list holding ${e}`,
  BEFORE_TIME: (e) => `a time before ${e}`,
  AFTER_TIME: (e) => `a time after ${e}`,
  BETWEEN_TIME: (e) => `a time between ${e}`,
};

const TYPE_NAME: Record<RuleValueType, string> = {
  string: "text",
  number: "a number",
  boolean: "a boolean",
  date: "a date",
  json: "a JSON object",
  list: "a list",
};

export function showExpected(expected: EvaluatedRule["expected"]): string {
  if (expected === null) return "";
  if (typeof expected === "object") return `${expected.from} and ${expected.to}`;
  return typeof expected === "string" ? JSON.stringify(expected) : String(expected);
}

export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return JSON.stringify(value) ?? String(value);
}

/** What the rule wants, in words: "more than 100". */
export function describeWanted(condition: string, expected: EvaluatedRule["expected"]): string {
  return CONDITION_SET.has(condition) ? WANTED[condition as RuleCondition](showExpected(expected)) : condition;
}

function time(value: unknown): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function jsonObject(value: unknown): Record<string, unknown> | undefined {
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

function sameJson(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

/** Whether `value` is of the type the condition compares. */
export function hasType(value: unknown, type: RuleValueType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "date":
      return time(value) !== undefined;
    case "json":
      return jsonObject(value) !== undefined;
    case "list":
      return Array.isArray(value);
  }
}

/** The comparison itself, for a value already known to be of the condition's type; undefined = invalid options. */
function compare(condition: RuleCondition, value: unknown, expected: EvaluatedRule["expected"]): boolean | undefined {
  const text = typeof expected === "string" ? expected : undefined;
  const number = typeof expected === "number" ? expected : undefined;
  switch (condition) {
    case "STRING_EQUALS":
      return text === undefined ? undefined : value === text;
    case "CONTAINS_SUBSTRING":
      return text === undefined ? undefined : (value as string).includes(text);
    case "HAS_ANY_VALUE":
      return value !== "";
    case "IS_TRUE":
      return value === true;
    case "IS_FALSE":
      return value === false;
    case "NUMBER_LESS_THAN":
      return number === undefined ? undefined : (value as number) < number;
    case "NUMBER_GREATER_THAN":
      return number === undefined ? undefined : (value as number) > number;
    case "NUMBER_EQUAL_TO":
      return number === undefined ? undefined : value === number;
    case "JSON_MATCH": {
      const pattern = jsonObject(text);
      const actual = jsonObject(value)!;
      return pattern === undefined ? undefined : Object.entries(pattern).every(([key, wanted]) => sameJson(actual[key], wanted));
    }
    case "IS_MEMBER_OF":
      return text === undefined ? undefined : (value as unknown[]).includes(text);
    case "BEFORE_TIME":
    case "AFTER_TIME": {
      const limit = time(text);
      if (limit === undefined) return undefined;
      return condition === "BEFORE_TIME" ? time(value)! < limit : time(value)! > limit;
    }
    case "BETWEEN_TIME": {
      if (typeof expected !== "object" || expected === null) return undefined;
      const from = time(expected.from);
      const to = time(expected.to);
      const at = time(value)!;
      return from === undefined || to === undefined ? undefined : at >= from && at <= to;
    }
  }
}

export function evaluateRule(rule: Rule, attributeKeyOf: AttributeKeyOf, attributes: Readonly<Record<string, unknown>>): EvaluatedRule {
  const preset = rule.attribute.__type === "PresetAttributeReference";
  const attribute = preset ? rule.attribute.ref : (attributeKeyOf(rule.attribute.ref) ?? rule.attribute.ref);
  const condition = rule.attributeMatchCondition;
  const expected = rule.attributeMatchOptions?.value ?? null;
  const inverted = rule.invertCondition === true;
  const base = { kind: "rule" as const, attribute, preset, condition, expected, inverted };
  const wanted = `${inverted ? "anything but " : ""}${describeWanted(condition, expected)}`;
  const settle = (outcome: RuleOutcome, matched: boolean | null, explanation: string, value?: unknown): EvaluatedRule => ({
    ...base,
    outcome,
    ...(value === undefined ? {} : { value }),
    result: matched === null ? null : inverted ? !matched : matched,
    explanation,
  });

  if (preset) {
    return settle("cannot_evaluate", null, `${attribute} is read by Personalize from the visitor's request; wanted ${wanted}`);
  }
  if (!CONDITION_SET.has(condition)) {
    return settle("cannot_evaluate", null, `${condition} is a condition this app does not know`);
  }
  const known = condition as RuleCondition;
  const value = Object.hasOwn(attributes, attribute) ? attributes[attribute] : undefined;
  if (value === undefined || value === null) {
    return settle("missing", false, `${attribute} is not set; wanted ${wanted}`);
  }
  const type = CONDITION_VALUE_TYPE[known];
  if (type !== null && !hasType(value, type)) {
    return settle("wrong_type", false, `${attribute} is ${showValue(value)}, not ${TYPE_NAME[type]}; wanted ${wanted}`, value);
  }
  const matched = compare(known, value, expected);
  if (matched === undefined) {
    return settle("cannot_evaluate", null, `the audience's ${condition} rule has no valid value to compare with`, value);
  }
  const holds = inverted ? !matched : matched;
  return settle(holds ? "passes" : "fails", matched, `${attribute} is ${showValue(value)}; wanted ${wanted}`, value);
}

export function evaluateDefinition(
  definition: RuleCombination,
  attributeKeyOf: AttributeKeyOf,
  attributes: Readonly<Record<string, unknown>>,
): EvaluatedCombination {
  const rules: EvaluatedNode[] = definition.rules.map((node) =>
    node.__type === "RuleCombination" ? evaluateDefinition(node, attributeKeyOf, attributes) : evaluateRule(node, attributeKeyOf, attributes),
  );
  return { kind: "combination", combinationType: definition.combinationType, result: combine(definition.combinationType, rules), rules };
}

/** Kleene logic: AND is false if any part is false, OR true if any part is true; otherwise unknown parts make it unknown. */
export function combine(combinationType: "AND" | "OR", parts: ReadonlyArray<{ result: boolean | null }>): boolean | null {
  const decisive = combinationType === "AND" ? false : true;
  if (parts.some((part) => part.result === decisive)) return decisive;
  if (parts.some((part) => part.result === null)) return null;
  return !decisive;
}
