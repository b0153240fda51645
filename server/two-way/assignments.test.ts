import { describe, expect, it } from "vitest";
import { assignmentCalls, assignmentMessageId, changedAssignments, parseManifest } from "./assignments.ts";

describe("two-way assignments", () => {
  it("reads the manifest body and rejects other shapes", () => {
    expect(parseManifest('{"experiences":[{"shortUid":"0","activeVariantShortUid":"1"},{"shortUid":"2","activeVariantShortUid":null}]}')).toEqual({
      "0": "1",
      "2": null,
    });
    expect(parseManifest('{"activeVariants":{}}')).toBeNull();
    expect(parseManifest("not json")).toBeNull();
  });

  it("reports only experiences whose variant changed to a non-null one", () => {
    expect(changedAssignments({ "0": null, "1": "0" }, { "0": "0", "1": "0", "2": null })).toEqual([
      { experienceShortUid: "0", variantShortUid: "0" },
    ]);
    expect(changedAssignments({ "0": "1" }, { "0": "0" })).toEqual([{ experienceShortUid: "0", variantShortUid: "0" }]);
    expect(changedAssignments({ "0": "0" }, { "0": null })).toEqual([]);
  });

  it("derives a stable messageId per (installation, user, experience, variant)", () => {
    const change = { experienceShortUid: "0", variantShortUid: "1" };
    expect(assignmentMessageId("i", "u", change)).toBe(assignmentMessageId("i", "u", change));
    expect(assignmentMessageId("i", "u", change)).not.toBe(assignmentMessageId("i", "u", { ...change, variantShortUid: "2" }));
    expect(assignmentMessageId("i", "u", change).length).toBeLessThanOrEqual(100);
  });

  it("builds Experiment Viewed tracks with names, and the optional identify trait", () => {
    const calls = assignmentCalls({
      installationUid: "i",
      projectUid: "p",
      userId: "u",
      changes: [{ experienceShortUid: "0", variantShortUid: "1" }],
      current: { "0": "1", "1": null },
      names: { "0": { name: "Homepage", variants: { "1": "Hero B" } } },
      eventName: "Experiment Viewed",
      identifyTrait: "personalize_variants",
      timestamp: "2026-11-22T00:00:00.000Z",
    });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      type: "track",
      event: "Experiment Viewed",
      userId: "u",
      properties: { experiment_id: "0", experiment_name: "Homepage", variation_id: "1", variation_name: "Hero B", personalize_project_uid: "p" },
    });
    expect(calls[1]).toMatchObject({ type: "identify", traits: { personalize_variants: { "0": "1" } } });
  });
});
