import { describe, expect, it } from "vitest";
import { defaultInstallationData, installationDataSchema, type InstallationData } from "../shared/installation-config";
import { describeProblem, placeOf, plainMessage } from "./problem-wording";
import { problemsBySection, validateInstallation } from "./validation";

function withConfiguration(patch: Partial<InstallationData["configuration"]>): InstallationData {
  const data = defaultInstallationData();
  return { ...data, configuration: { ...data.configuration, ...patch } };
}

const attributeRow = (source: string, attribute: string, id = "a1") => ({ id, enabled: true, source, attribute, type: "auto" as const, defaultValue: "" });
const eventRow = (patch: { segmentEvent?: string; personalizeEvent?: string; condition?: string }) => ({
  id: "e1",
  enabled: true,
  source: "track" as const,
  segmentEvent: "Order Completed",
  personalizeEvent: "order",
  condition: "",
  ...patch,
});

function issuesOf(data: InstallationData) {
  return installationDataSchema.safeParse(data).error!.issues;
}

describe("problem wording", () => {
  it("names an empty new attribute row's fields by what to choose, and the row by its number on screen", () => {
    const data = withConfiguration({ attributeMappings: [attributeRow("traits.plan", "plan", "p"), attributeRow("traits.", "", "n")] });
    const [source, attribute] = issuesOf(data);
    expect(plainMessage(source, data)).toBe("choose a Segment trait");
    expect(describeProblem(source, data)).toBe("Attribute mappings, row 2: choose a Segment trait");
    expect(describeProblem(attribute, data)).toBe("Attribute mappings, row 2: choose a Personalize attribute");
    expect(placeOf(source.path)).toEqual({
      section: "attribute-mappings",
      where: "Attribute mappings, row 2",
      field: "Segment source path",
      elementId: "attribute-row-1-source",
    });
  });

  it("asks for a property when the row reads properties", () => {
    const data = withConfiguration({ attributeMappings: [attributeRow("properties.", "total")] });
    expect(describeProblem(issuesOf(data)[0], data)).toBe("Attribute mappings, row 1: choose a Segment property");
  });

  it("says how to fix a malformed source path", () => {
    const data = withConfiguration({ attributeMappings: [attributeRow("plan", "plan")] });
    expect(plainMessage(issuesOf(data)[0], data)).toBe("start with traits., context.traits. or properties., then the key to read");
  });

  it("explains a duplicated target by the other row's number", () => {
    const data = withConfiguration({ attributeMappings: [attributeRow("traits.a", "plan", "a"), attributeRow("traits.b", "plan", "b")] });
    expect(describeProblem(issuesOf(data)[0], data)).toBe(
      "Attribute mappings, row 2: row 1 already sends to this attribute; choose another or turn one row off",
    );
  });

  it("puts the field before a condition the parser would misread", () => {
    const data = withConfiguration({ eventMappings: [eventRow({ condition: "properties.position == " })] });
    expect(describeProblem(issuesOf(data)[0], data)).toBe(
      'Event mappings, row 1: Condition: Segment would read this as properties.position = "=", which is not what was typed; check the operator and the value',
    );
  });

  it("names empty event row fields by what to type or choose", () => {
    const data = withConfiguration({ eventMappings: [eventRow({ segmentEvent: "", personalizeEvent: "" })] });
    const [segmentEvent, personalizeEvent] = issuesOf(data);
    expect(describeProblem(segmentEvent, data)).toBe("Event mappings, row 1: type the Segment event name, or * for any");
    expect(describeProblem(personalizeEvent, data)).toBe("Event mappings, row 1: choose a Personalize event");
  });

  it("names fields outside the rows by their section and label, and secrets without repeating the label", () => {
    const data = defaultInstallationData();
    data.configuration.personalize.projectUid = "short";
    data.serverConfiguration.trackingWriteKey = "has space";
    const [projectUid, writeKey] = issuesOf(data);
    expect(describeProblem(projectUid, data)).toBe("Personalize: Project UID must be the 24-character project UID (Personalize → Settings → General)");
    expect(describeProblem(writeKey, data)).toBe("Segment: Tracking API write key may contain only printable ASCII without spaces");
  });

  it("never shows a schema path or an internal row id", () => {
    const data = withConfiguration({
      attributeMappings: [attributeRow("traits.", "", "r200cd6958524")],
      eventMappings: [eventRow({ condition: "properties.total > 100 and" })],
      retention: { days: 0, maxRows: 5 },
    });
    const validation = validateInstallation(data);
    const texts = [validation.message, ...validation.errors.values(), ...issuesOf(data).map((issue) => describeProblem(issue, data))];
    for (const text of texts) expect(text).not.toMatch(/›|configuration|attributeMappings|eventMappings|r200cd6958524|row:/);
  });

  it("counts problems per section of the navigation", () => {
    const data = withConfiguration({ attributeMappings: [attributeRow("traits.", "")], retention: { days: 0, maxRows: 1_000_000 } });
    expect(Object.fromEntries(problemsBySection(validateInstallation(data)))).toEqual({ "attribute-mappings": 2, retention: 1 });
  });
});
