import { describe, expect, test } from "vitest";
import type { AttributeRequirement } from "../../src/shared/audiences";
import { configurationSchema } from "../../src/shared/installation-config";
import { mapEvent } from "./map-event";
import type { SegmentEvent } from "./types";

const T = "2026-05-06T09:30:22.829Z";
const requirement = (key: string, type: AttributeRequirement["type"], ...audiences: string[]): [string, AttributeRequirement] => [
  key,
  { key, type, audiences, conflicts: [] },
];
const REQUIRED = new Map([
  requirement("lifetime_value", "number", "High value"),
  requirement("vip", "boolean", "VIPs", "Loyal"),
  requirement("signed_up", "date", "New this year"),
  requirement("plan_code", "string", "Code 7"),
  requirement("total_revenue_180_days", "number", "Big spenders"),
  requirement("tags", "list", "Tagged"),
]);

const config = configurationSchema.parse({
  unmappedTraits: "passthrough",
  attributeMappings: [
    { id: "ltv", source: "traits.ltv", attribute: "lifetime_value" },
    { id: "typed", source: "traits.declared", attribute: "vip", type: "string" },
  ],
  engage: { computedTraits: true, audiences: true },
});

function attributesOf(event: SegmentEvent) {
  const result = mapEvent({ timestamp: T, userId: "u1", ...event }, config, REQUIRED);
  const operation = result.operations.find((op) => op.kind === "attributes");
  return { attributes: operation?.kind === "attributes" ? operation.attributes : {}, notes: result.notes };
}

describe("values without a declared type take the type the audiences compare them as", () => {
  test("auto rows and passed-through traits are coerced, with a note naming the audience", () => {
    const { attributes, notes } = attributesOf({ type: "identify", traits: { ltv: "500", signed_up: "2026-03-01T10:00:00+02:00", plan_code: 7 } });
    expect(attributes).toEqual({ lifetime_value: 500, signed_up: "2026-03-01T08:00:00.000Z", plan_code: "7" });
    expect(notes).toContain('row:ltv (traits.ltv → lifetime_value): "500" converted to 500: audience "High value" compares lifetime_value as a number');
  });

  test("a value that cannot be coerced is dropped with a warning naming the audience", () => {
    const { attributes, notes } = attributesOf({ type: "identify", traits: { ltv: "a lot", vip: "maybe" } });
    expect(attributes).toEqual({});
    expect(notes).toEqual([
      'row:ltv (traits.ltv → lifetime_value): "a lot" is not a number, but audience "High value" compares lifetime_value as a number, dropped',
      'passthrough:traits.vip: "maybe" is not a boolean, but audiences "VIPs", "Loyal" compare vip as a boolean, dropped',
    ]);
  });

  test("a declared type wins, and list rules leave scalars alone", () => {
    const { attributes } = attributesOf({ type: "identify", traits: { declared: true, tags: "a" } });
    expect(attributes).toEqual({ vip: "true", tags: "a" });
  });

  test("an Engage computed trait reaches Personalize as a number whether it arrives as 450 or as \"500\"", () => {
    const computed = (value: unknown): SegmentEvent => ({
      type: "identify",
      traits: { total_revenue_180_days: value },
      context: { personas: { computation_class: "computed_trait", computation_key: "total_revenue_180_days" } },
    });
    expect(attributesOf(computed(450)).attributes).toEqual({ total_revenue_180_days: 450 });
    expect(attributesOf(computed("500")).attributes).toEqual({ total_revenue_180_days: 500 });
  });

  test("without required types nothing changes", () => {
    const result = mapEvent({ type: "identify", userId: "u1", timestamp: T, traits: { ltv: "500" } }, config);
    expect(result.operations[0]).toMatchObject({ attributes: { lifetime_value: "500" } });
  });
});
