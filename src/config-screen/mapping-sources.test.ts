import { describe, expect, it } from "vitest";
import { defaultInstallationData } from "../shared/installation-config";
import { nameMappingRows } from "./mapping-sources";

describe("nameMappingRows", () => {
  const { configuration } = defaultInstallationData();
  configuration.attributeMappings = [
    { id: "plan", enabled: true, source: "traits.plan", attribute: "plan", type: "auto", defaultValue: "" },
    { id: "r200cd6958524", enabled: true, source: "traits.ltv", attribute: "ltv", type: "number", defaultValue: "0" },
  ];
  configuration.eventMappings = [
    { id: "order", enabled: true, source: "track", segmentEvent: "Order Completed", personalizeEvent: "order", condition: "" },
  ];

  it("replaces row references with the row's number on screen", () => {
    expect(nameMappingRows('row:r200cd6958524 (traits.ltv → ltv): "a lot" is not a number, dropped', configuration)).toBe(
      'attribute mapping 2 (traits.ltv → ltv): "a lot" is not a number, dropped',
    );
    expect(nameMappingRows("default:r200cd6958524 (→ ltv): x, dropped", configuration)).toBe("attribute mapping 2's default value (→ ltv): x, dropped");
    expect(nameMappingRows('row:order (track "Order Completed" → order): condition false', configuration)).toBe(
      'event mapping 1 (track "Order Completed" → order): condition false',
    );
  });

  it("hides the id of a row the screen no longer has", () => {
    expect(nameMappingRows('{"source": "row:gone1"}', configuration)).toBe('{"source": "a mapping row"}');
  });

  it("leaves other sources alone", () => {
    expect(nameMappingRows("passthrough:traits.x: empty key, dropped; engage:first_time_shopper", configuration)).toBe(
      "passthrough:traits.x: empty key, dropped; engage:first_time_shopper",
    );
  });
});
