import { describe, expect, it } from "vitest";
import { compileRuleCombination, type RuleCombination } from "./audience-rules.ts";
import { rule } from "./test-support.ts";

const attributes = new Map([
  ["attr-uid-plan", { uid: "attr-uid-plan", key: "plan" }],
  ["ltv", { uid: "attr-uid-ltv", key: "ltv" }],
  ["flag", { uid: "attr-uid-flag", key: "flag" }],
]);
const byRef = (ref: string) => attributes.get(ref);

function predicate(rules: RuleCombination["rules"], combinationType: "AND" | "OR" = "AND") {
  return compileRuleCombination({ __type: "RuleCombination", combinationType, rules }, byRef, "definition").predicate;
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
