import { describe, expect, it } from "vitest";
import type { SegmentSuggestions } from "../shared/segment-connect";
import { mergeSuggestions, observedEventSuggestions, segmentEventSuggestions, segmentTraitSuggestions } from "./suggestions";

const segment: SegmentSuggestions = {
  traits: [
    { path: "traits.loyalty_tier", origin: "tracking-plan", detail: 'tracking plan "Web"' },
    { path: "properties.cart_value", origin: "tracking-plan", detail: 'tracking plan "Web"' },
    { path: "traits.plan", origin: "unify", detail: 'Unify space "Prod"' },
  ],
  events: [
    { source: "track", name: "Order Completed", origin: "tracking-plan", detail: 'tracking plan "Web"' },
    { source: "track", name: "Checkout Started", origin: "unify", detail: 'Unify space "Prod"' },
    { source: "page", name: "Pricing", origin: "tracking-plan", detail: 'tracking plan "Web"' },
  ],
  problems: [],
};

describe("Segment suggestions beside traffic", () => {
  it("label each name with its origin and keep the prefix the input expects", () => {
    expect(segmentTraitSuggestions(segment, "traits.")).toEqual([
      { value: "loyalty_tier", label: 'traits.loyalty_tier · from the tracking plan (tracking plan "Web")' },
      { value: "plan", label: 'traits.plan · observed by Unify (Unify space "Prod")' },
    ]);
    expect(segmentEventSuggestions(segment, "page")).toEqual([{ value: "Pricing", label: 'page "Pricing" · from the tracking plan (tracking plan "Web")' }]);
  });

  it("put what traffic showed first and add only the names traffic has not shown", () => {
    const observed = observedEventSuggestions(
      { traits: [], events: [{ source: "track", name: "Order Completed", count: 3, lastSeen: 0 }] },
      "track",
      0,
    );
    const merged = mergeSuggestions(observed, segmentEventSuggestions(segment, "track"));
    expect(merged.map((suggestion) => suggestion.value)).toEqual(["Order Completed", "Checkout Started"]);
    expect(merged[0].label).toContain("3 events");
  });
});
