import { describe, expect, it } from "vitest";
import { compileRuleCombination, type Attributes, type RuleCombination, type RuleContext } from "./audience-rules.ts";
import { preset, rule } from "./test-support.ts";

const attributes = new Map([
  ["attr-uid-plan", { uid: "attr-uid-plan", key: "plan" }],
  ["ltv", { uid: "attr-uid-ltv", key: "ltv" }],
  ["flag", { uid: "attr-uid-flag", key: "flag" }],
]);
const byRef = (ref: string) => attributes.get(ref);

const LENIENT: RuleContext = { presets: {}, typedRules: false };

function predicate(rules: RuleCombination["rules"], combinationType: "AND" | "OR" = "AND", context: RuleContext = LENIENT) {
  const compiled = compileRuleCombination({ __type: "RuleCombination", combinationType, rules }, byRef, "definition").predicate;
  return (attributes: Attributes) => compiled(attributes, context);
}

describe("rule conditions", () => {
  it.each([
    ["STRING_EQUALS", "pro", { plan: "pro" }, true],
    ["STRING_EQUALS", "pro", { plan: "Pro" }, false],
    ["STRING_EQUALS", "10", { plan: 10 }, true],
    ["STRING_EQUALS", "pro", {}, false],
    ["CONTAINS_SUBSTRING", "ro", { plan: "pro" }, true],
    ["CONTAINS_SUBSTRING", "x", { plan: "pro" }, false],
    ["CONTAINS_SUBSTRING", "ro", { plan: { name: "pro" } }, false],
    ["HAS_ANY_VALUE", undefined, { plan: "pro" }, true],
    ["HAS_ANY_VALUE", undefined, { plan: 0 }, true],
    ["HAS_ANY_VALUE", undefined, { plan: "" }, false],
    ["HAS_ANY_VALUE", undefined, { plan: null }, false],
    ["HAS_ANY_VALUE", undefined, {}, false],
    ["IS_TRUE", undefined, { plan: true }, true],
    ["IS_TRUE", undefined, { plan: "true" }, true],
    ["IS_TRUE", undefined, { plan: 1 }, false],
    ["IS_FALSE", undefined, { plan: false }, true],
    ["IS_FALSE", undefined, { plan: "false" }, true],
    ["IS_FALSE", undefined, {}, false],
    ["NUMBER_LESS_THAN", 100, { plan: 99.5 }, true],
    ["NUMBER_LESS_THAN", 100, { plan: 100 }, false],
    ["NUMBER_LESS_THAN", 100, {}, false],
    ["NUMBER_GREATER_THAN", 100, { plan: "450" }, true],
    ["NUMBER_GREATER_THAN", 100, { plan: 100 }, false],
    ["NUMBER_GREATER_THAN", 100, { plan: "lots" }, false],
    ["NUMBER_EQUAL_TO", 10, { plan: 10 }, true],
    ["NUMBER_EQUAL_TO", 10, { plan: "10" }, true],
    ["NUMBER_EQUAL_TO", 10, { plan: true }, false],
  ] as const)("%s %s against %j is %s", (condition, value, user, expected) => {
    expect(predicate([rule({ key: "attr-uid-plan", condition, value })])(user)).toBe(expected);
    expect(predicate([rule({ key: "attr-uid-plan", condition, value, invert: true })])(user)).toBe(!expected);
  });
});

describe("conditions beyond the basic ones", () => {
  it.each([
    ["JSON_MATCH", '{"tier":"gold"}', { plan: '{"tier":"gold","since":2020}' }, true],
    ["JSON_MATCH", '{"tier":"gold"}', { plan: { tier: "gold" } }, true],
    ["JSON_MATCH", '{"tier":"gold"}', { plan: '{"tier":"silver"}' }, false],
    ["JSON_MATCH", '{"tier":"gold"}', { plan: "gold" }, false],
    ["IS_MEMBER_OF", "vip", { plan: ["vip", "beta"] }, true],
    ["IS_MEMBER_OF", "vip", { plan: ["beta"] }, false],
    ["IS_MEMBER_OF", "vip", { plan: "vip" }, false],
    ["BEFORE_TIME", "2026-01-01T00:00:00Z", { plan: "2025-12-31T23:59:59Z" }, true],
    ["BEFORE_TIME", "2026-01-01T00:00:00Z", { plan: "2026-01-01T00:00:00Z" }, false],
    ["BEFORE_TIME", "2026-01-01T00:00:00Z", { plan: "soon" }, false],
    ["AFTER_TIME", "2026-01-01T00:00:00Z", { plan: "2026-06-01T00:00:00.000Z" }, true],
    ["AFTER_TIME", "2026-01-01T00:00:00Z", {}, false],
    ["BETWEEN_TIME", { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }, { plan: "2026-01-15T12:00:00Z" }, true],
    ["BETWEEN_TIME", { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }, { plan: "2026-02-01T00:00:00Z" }, true],
    ["BETWEEN_TIME", { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }, { plan: "2026-03-01T00:00:00Z" }, false],
  ] as const)("%s %j against %j is %s", (condition, value, user, expected) => {
    expect(predicate([rule({ key: "attr-uid-plan", condition, value })])(user)).toBe(expected);
    expect(predicate([rule({ key: "attr-uid-plan", condition, value, invert: true })])(user)).toBe(!expected);
  });

  it("with typed rules, a value of another type fails the condition", () => {
    const typed: RuleContext = { presets: {}, typedRules: true };
    const over100 = [rule({ key: "ltv", condition: "NUMBER_GREATER_THAN", value: 100 })];
    expect(predicate(over100, "AND", typed)({ ltv: 500 })).toBe(true);
    expect(predicate(over100, "AND", typed)({ ltv: "500" })).toBe(false);
    expect(predicate([rule({ key: "flag", condition: "IS_TRUE" })], "AND", typed)({ flag: "true" })).toBe(false);
    expect(predicate([rule({ key: "attr-uid-plan", condition: "STRING_EQUALS", value: "10" })], "AND", typed)({ plan: 10 })).toBe(false);
  });

  it("reads preset attributes from the request context", () => {
    const mobile = [preset("DEVICE_TYPE", "STRING_EQUALS", "MOBILE")];
    expect(predicate(mobile, "AND", { presets: { DEVICE_TYPE: "MOBILE" }, typedRules: true })({})).toBe(true);
    expect(predicate(mobile, "AND", { presets: { DEVICE_TYPE: "DESKTOP" }, typedRules: true })({})).toBe(false);
    expect(predicate(mobile, "AND", { presets: {}, typedRules: true })({})).toBe(false);
  });
});

describe("combinations", () => {
  const high = rule({ key: "ltv", condition: "NUMBER_GREATER_THAN", value: 100 });
  const flagged = rule({ key: "flag", condition: "IS_TRUE" });

  it("AND needs every rule, OR any", () => {
    expect(predicate([high, flagged], "AND")({ ltv: 200, flag: true })).toBe(true);
    expect(predicate([high, flagged], "AND")({ ltv: 200, flag: false })).toBe(false);
    expect(predicate([high, flagged], "OR")({ ltv: 200, flag: false })).toBe(true);
    expect(predicate([high, flagged], "OR")({ ltv: 50, flag: false })).toBe(false);
  });

  it("nests combinations", () => {
    const nested = predicate([
      rule({ key: "attr-uid-plan", condition: "STRING_EQUALS", value: "pro" }),
      { __type: "RuleCombination", combinationType: "OR", rules: [high, flagged] },
    ]);
    expect(nested({ plan: "pro", flag: true })).toBe(true);
    expect(nested({ plan: "pro" })).toBe(false);
    expect(nested({ plan: "free", ltv: 500 })).toBe(false);
  });

  it("rewrites references by key to attribute uids", () => {
    const { definition } = compileRuleCombination({ __type: "RuleCombination", combinationType: "AND", rules: [high] }, byRef, "d");
    expect(definition.rules[0]).toMatchObject({ attribute: { __type: "CustomAttributeReference", ref: "attr-uid-ltv" } });
  });
});

describe("invalid rules", () => {
  it.each([
    [rule({ key: "nope", condition: "HAS_ANY_VALUE" }), 'definition.rules[0].attribute.ref: no attribute with uid or key "nope"'],
    [rule({ key: "ltv", condition: "STRING_EQUALS" }), "definition.rules[0]: valid matchOptions is required for STRING_EQUALS condition"],
    [rule({ key: "ltv", condition: "NUMBER_EQUAL_TO", value: "10" }), "valid matchOptions is required for NUMBER_EQUAL_TO condition"],
  ])("throws a located error", (bad, message) => {
    expect(() => predicate([bad])).toThrow(message);
  });
});
