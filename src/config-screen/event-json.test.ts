import { describe, expect, it } from "vitest";
import { defaultInstallationData } from "../shared/installation-config";
import { parseEventJson } from "./event-json";
import { describeSources } from "./mapping-sources";

describe("parseEventJson", () => {
  it("accepts one JSON object", () => {
    expect(parseEventJson('{"type":"track","event":"A"}')).toEqual({ status: "ok", event: { type: "track", event: "A" } });
  });

  it("explains invalid JSON and non-objects", () => {
    expect(parseEventJson("")).toEqual({ status: "empty" });
    expect(parseEventJson("{nope")).toMatchObject({ status: "invalid", message: expect.stringMatching(/^Not valid JSON/) });
    expect(parseEventJson("[1]")).toMatchObject({ status: "invalid", message: expect.stringMatching(/JSON object/) });
  });
});

describe("describeSources", () => {
  it("names the mapping rows whose ids appear anywhere in sources", () => {
    const configuration = {
      ...defaultInstallationData().configuration,
      attributeMappings: [
        { id: "a1", enabled: true, source: "traits.plan", attribute: "plan", type: "auto" as const, defaultValue: "" },
      ],
      eventMappings: [
        { id: "e1", enabled: true, source: "track" as const, segmentEvent: "Bought", personalizeEvent: "bought", condition: "" },
      ],
    };
    expect(describeSources({ plan: ["a1"], events: [{ rowId: "e1" }] }, configuration)).toEqual([
      "Attribute mapping 1: traits.plan → plan",
      'Event mapping 1: track "Bought" → bought',
    ]);
    expect(describeSources(null, configuration)).toEqual([]);
  });
});
