import { describe, expect, it } from "vitest";
import type { Rule, RuleCombination } from "../../src/shared/audiences.ts";
import { compileRuleCombination, type RuleCombination as EmulatorCombination } from "../emulators/personalize/audience-rules.ts";
import { evaluateDefinition, evaluateRule } from "./evaluate.ts";
import { deriveRequirements } from "./required-types.ts";

const KEY_BY_UID = new Map([
  ["uid-ltv", "lifetime_value"],
  ["uid-plan", "plan"],
  ["uid-vip", "vip"],
  ["uid-seen", "last_seen"],
  ["uid-prefs", "prefs"],
  ["uid-groups", "groups"],
]);
const keyOf = (ref: string) => KEY_BY_UID.get(ref);
const emulatorRef = (ref: string) => (KEY_BY_UID.has(ref) ? { uid: ref, key: KEY_BY_UID.get(ref)! } : undefined);

function rule(ref: string, condition: string, value?: Rule["attributeMatchOptions"] extends infer O ? (O extends { value?: infer V } ? V : never) : never, invert = false): Rule {
  return {
    __type: "Rule",
    attribute: { __type: "CustomAttributeReference", ref },
    attributeMatchCondition: condition,
    ...(value === undefined ? {} : { attributeMatchOptions: { value } }),
    invertCondition: invert,
  };
}

const all = (combinationType: "AND" | "OR", ...rules: RuleCombination["rules"]): RuleCombination => ({ __type: "RuleCombination", combinationType, rules });

/** What the Personalize emulator answers for the same definition and attributes, with typed rules. */
function emulatorAnswer(definition: RuleCombination, attributes: Record<string, unknown>): boolean {
  const compiled = compileRuleCombination(definition as EmulatorCombination, emulatorRef, "definition");
  return compiled.predicate(attributes, { presets: {}, typedRules: true });
}

const JAN = { from: "2026-01-01T00:00:00Z", to: "2026-01-31T23:59:59Z" };

// [rule, attributes, outcome]: every §7.3 condition, each passing, failing, missing and (where typed) of the wrong type.
const CASES: Array<[Rule, Record<string, unknown>, string]> = [
  [rule("uid-plan", "STRING_EQUALS", "pro"), { plan: "pro" }, "passes"],
  [rule("uid-plan", "STRING_EQUALS", "pro"), { plan: "free" }, "fails"],
  [rule("uid-plan", "STRING_EQUALS", "10"), { plan: 10 }, "wrong_type"],
  [rule("uid-plan", "STRING_EQUALS", "pro"), {}, "missing"],
  [rule("uid-plan", "CONTAINS_SUBSTRING", "ro"), { plan: "pro" }, "passes"],
  [rule("uid-plan", "CONTAINS_SUBSTRING", "x"), { plan: "pro" }, "fails"],
  [rule("uid-plan", "CONTAINS_SUBSTRING", "1"), { plan: 1 }, "wrong_type"],
  [rule("uid-plan", "HAS_ANY_VALUE"), { plan: 0 }, "passes"],
  [rule("uid-plan", "HAS_ANY_VALUE"), { plan: "" }, "fails"],
  [rule("uid-plan", "HAS_ANY_VALUE"), { plan: null }, "missing"],
  [rule("uid-vip", "IS_TRUE"), { vip: true }, "passes"],
  [rule("uid-vip", "IS_TRUE"), { vip: false }, "fails"],
  [rule("uid-vip", "IS_TRUE"), { vip: "true" }, "wrong_type"],
  [rule("uid-vip", "IS_FALSE"), { vip: false }, "passes"],
  [rule("uid-vip", "IS_FALSE"), { vip: true }, "fails"],
  [rule("uid-vip", "IS_FALSE"), {}, "missing"],
  [rule("uid-ltv", "NUMBER_LESS_THAN", 100), { lifetime_value: 99.5 }, "passes"],
  [rule("uid-ltv", "NUMBER_LESS_THAN", 100), { lifetime_value: 100 }, "fails"],
  [rule("uid-ltv", "NUMBER_GREATER_THAN", 100), { lifetime_value: 450 }, "passes"],
  [rule("uid-ltv", "NUMBER_GREATER_THAN", 100), { lifetime_value: "500" }, "wrong_type"],
  [rule("uid-ltv", "NUMBER_GREATER_THAN", 100), { lifetime_value: "a lot" }, "wrong_type"],
  [rule("uid-ltv", "NUMBER_EQUAL_TO", 10), { lifetime_value: 10 }, "passes"],
  [rule("uid-ltv", "NUMBER_EQUAL_TO", 10), { lifetime_value: 11 }, "fails"],
  [rule("uid-ltv", "NUMBER_EQUAL_TO", 10), { lifetime_value: true }, "wrong_type"],
  [rule("uid-prefs", "JSON_MATCH", '{"tier":"gold"}'), { prefs: '{"tier":"gold","since":2020}' }, "passes"],
  [rule("uid-prefs", "JSON_MATCH", '{"tier":"gold"}'), { prefs: '{"tier":"silver"}' }, "fails"],
  [rule("uid-prefs", "JSON_MATCH", '{"tier":"gold"}'), { prefs: "gold" }, "wrong_type"],
  [rule("uid-groups", "IS_MEMBER_OF", "vip"), { groups: ["vip", "beta"] }, "passes"],
  [rule("uid-groups", "IS_MEMBER_OF", "vip"), { groups: ["beta"] }, "fails"],
  [rule("uid-groups", "IS_MEMBER_OF", "vip"), { groups: "vip" }, "wrong_type"],
  [rule("uid-seen", "BEFORE_TIME", "2026-01-01T00:00:00Z"), { last_seen: "2025-12-31T23:59:59Z" }, "passes"],
  [rule("uid-seen", "BEFORE_TIME", "2026-01-01T00:00:00Z"), { last_seen: "2026-01-01T00:00:00Z" }, "fails"],
  [rule("uid-seen", "BEFORE_TIME", "2026-01-01T00:00:00Z"), { last_seen: "yesterday" }, "wrong_type"],
  [rule("uid-seen", "AFTER_TIME", "2026-01-01T00:00:00Z"), { last_seen: "2026-06-01T00:00:00.000Z" }, "passes"],
  [rule("uid-seen", "AFTER_TIME", "2026-01-01T00:00:00Z"), { last_seen: "2025-06-01T00:00:00.000Z" }, "fails"],
  [rule("uid-seen", "AFTER_TIME", "2026-01-01T00:00:00Z"), {}, "missing"],
  [rule("uid-seen", "BETWEEN_TIME", JAN), { last_seen: "2026-01-15T12:00:00Z" }, "passes"],
  [rule("uid-seen", "BETWEEN_TIME", JAN), { last_seen: "2026-02-15T12:00:00Z" }, "fails"],
  [rule("uid-seen", "BETWEEN_TIME", JAN), { last_seen: 1768478400000 }, "wrong_type"],
];

describe("each condition, against the emulator's answer", () => {
  it.each(CASES)("%j with %j %s", (tested, attributes, outcome) => {
    for (const invert of [false, true]) {
      const current = { ...tested, invertCondition: invert };
      const evaluated = evaluateRule(current, keyOf, attributes);
      expect(evaluated.outcome).toBe(invert && (outcome === "passes" || outcome === "fails") ? (outcome === "passes" ? "fails" : "passes") : outcome);
      expect(evaluated.result).toBe(emulatorAnswer(all("AND", current), attributes));
    }
  });

  it("explains a failure with the value and what the rule wanted", () => {
    expect(evaluateRule(rule("uid-ltv", "NUMBER_GREATER_THAN", 100), keyOf, { lifetime_value: "a lot" }).explanation).toBe(
      'lifetime_value is "a lot", not a number; wanted more than 100',
    );
    expect(evaluateRule(rule("uid-ltv", "NUMBER_GREATER_THAN", 100, true), keyOf, { lifetime_value: 450 }).explanation).toBe(
      "lifetime_value is 450; wanted anything but more than 100",
    );
  });
});

describe("combinations", () => {
  const high = rule("uid-ltv", "NUMBER_GREATER_THAN", 100);
  const notPro = rule("uid-plan", "STRING_EQUALS", "pro", true);
  const vip = rule("uid-vip", "IS_TRUE");
  const nested = all("AND", notPro, all("OR", high, vip), all("OR", all("AND", vip, rule("uid-seen", "AFTER_TIME", "2026-01-01T00:00:00Z", true))));
  const users: Array<Record<string, unknown>> = [
    { plan: "free", lifetime_value: 450 },
    { plan: "pro", lifetime_value: 450, vip: true },
    { plan: "free", vip: true, last_seen: "2025-01-01T00:00:00Z" },
    { plan: "free", vip: true, last_seen: "2026-05-01T00:00:00Z" },
    { lifetime_value: "500", vip: "true" },
    {},
  ];

  it.each(users)("nested AND/OR with invertCondition agrees with the emulator for %j", (attributes) => {
    expect(evaluateDefinition(nested, keyOf, attributes).result).toBe(emulatorAnswer(nested, attributes));
  });

  it("a preset rule cannot be evaluated here, and only decides the audience when nothing else does", () => {
    const mobile: Rule = {
      __type: "Rule",
      attribute: { __type: "PresetAttributeReference", ref: "DEVICE_TYPE" },
      attributeMatchCondition: "STRING_EQUALS",
      attributeMatchOptions: { value: "MOBILE" },
    };
    const evaluated = evaluateDefinition(all("AND", high, mobile), keyOf, { lifetime_value: 450 });
    expect(evaluated.rules[1]).toMatchObject({ outcome: "cannot_evaluate", result: null, attribute: "DEVICE_TYPE", preset: true });
    expect(evaluated.result).toBeNull();
    expect(evaluateDefinition(all("AND", high, mobile), keyOf, { lifetime_value: 50 }).result).toBe(false);
    expect(evaluateDefinition(all("OR", high, mobile), keyOf, { lifetime_value: 450 }).result).toBe(true);
  });
});

describe("types from audience rules", () => {
  it("derives each attribute's type and lists the audiences that need it, and conflicts", () => {
    const requirements = deriveRequirements(
      [
        { uid: "a1", name: "High value", definition: all("AND", rule("uid-ltv", "NUMBER_GREATER_THAN", 100), rule("uid-plan", "HAS_ANY_VALUE")) },
        { uid: "a2", name: "Big spender", definition: all("OR", all("AND", rule("uid-ltv", "NUMBER_LESS_THAN", 9000))) },
        { uid: "a3", name: "Odd", definition: all("AND", rule("uid-ltv", "STRING_EQUALS", "lots"), rule("uid-seen", "BEFORE_TIME", "2026-01-01T00:00:00Z")) },
      ],
      keyOf,
    );
    expect(requirements.get("lifetime_value")).toEqual({
      key: "lifetime_value",
      type: "number",
      audiences: ["High value", "Big spender"],
      conflicts: [{ audience: "Odd", type: "string" }],
    });
    expect(requirements.get("last_seen")?.type).toBe("date");
    expect(requirements.has("plan")).toBe(false);
  });
});
