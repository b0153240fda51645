import { describe, expect, it } from "vitest";
import {
  SECRET_KEYS,
  defaultInstallationData,
  type InstallationData,
} from "../shared/installation-config";
import { initialInstallationData, installationReducer, type InstallationAction } from "./installation-state";
import { newRowId, newSharedSecret, newWriteKey } from "./random";
import { validateInstallation } from "./validation";

const VALID_UID = "blt0123456789abcdef01234";

function run(state: InstallationData, ...actions: InstallationAction[]): InstallationData {
  return actions.reduce(installationReducer, state);
}

/** Every key path of an object, e.g. "configuration.personalize.region"; arrays count as leaves. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keyPaths(child, prefix ? `${prefix}.${key}` : key));
}

describe("installationReducer", () => {
  it("keeps the whole object, both halves and every key, through every kind of change", () => {
    const start = defaultInstallationData();
    const expectedKeys = keyPaths(start).sort();
    const actions: InstallationAction[] = [
      { type: "updateSection", section: "personalize", patch: { projectUid: VALID_UID } },
      { type: "updateSection", section: "engage", patch: { attributePrefix: "engage_" } },
      { type: "setUnmappedTraits", value: "passthrough" },
      { type: "updateServer", patch: { webhookSharedSecret: "s3cret" } },
      { type: "addAttributeRow" },
      { type: "addEventRow" },
    ];
    let state = start;
    for (const action of actions) {
      state = installationReducer(state, action);
      expect(keyPaths(state).sort()).toEqual(expectedKeys);
    }
    expect(state.configuration.personalize).toEqual({ ...start.configuration.personalize, projectUid: VALID_UID });
    expect(state.configuration.unmappedTraits).toBe("passthrough");
    expect(state.serverConfiguration.webhookSharedSecret).toBe("s3cret");
  });

  it("puts secrets in serverConfiguration and nowhere in configuration", () => {
    const secrets = Object.fromEntries(SECRET_KEYS.map((key) => [key, `secret-value-of-${key}`]));
    const state = run(defaultInstallationData(), { type: "updateServer", patch: secrets });
    for (const key of SECRET_KEYS) expect(state.serverConfiguration[key]).toBe(`secret-value-of-${key}`);
    expect(JSON.stringify(state.configuration)).not.toContain("secret-value-of");
    expect(state.configuration).toEqual(defaultInstallationData().configuration);
  });

  it("adds, updates and removes mapping rows by id", () => {
    let state = run(defaultInstallationData(), { type: "addAttributeRow" }, { type: "addAttributeRow" });
    const [first, second] = state.configuration.attributeMappings;
    expect(first.id).not.toBe(second.id);
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);

    state = run(
      state,
      { type: "updateAttributeRow", id: second.id, patch: { source: "traits.plan", attribute: "plan" } },
      { type: "removeAttributeRow", id: first.id },
    );
    expect(state.configuration.attributeMappings).toEqual([
      { ...second, source: "traits.plan", attribute: "plan" },
    ]);

    state = run(state, { type: "addEventRow" });
    const event = state.configuration.eventMappings[0];
    state = run(state, { type: "updateEventRow", id: event.id, patch: { segmentEvent: "Order Completed" } });
    expect(state.configuration.eventMappings[0]).toMatchObject({ source: "track", segmentEvent: "Order Completed" });
    state = run(state, { type: "removeEventRow", id: event.id });
    expect(state.configuration.eventMappings).toEqual([]);
  });
});

describe("validateInstallation", () => {
  it("is valid for the defaults", () => {
    expect(validateInstallation(defaultInstallationData())).toEqual({ isValid: true, message: null, firstProblem: null, errors: new Map() });
  });

  it("words the first schema issue by section and field, and keys inline errors by path", () => {
    const state = run(defaultInstallationData(), {
      type: "updateSection",
      section: "personalize",
      patch: { projectUid: "too-short" },
    });
    const result = validateInstallation(state);
    expect(result.isValid).toBe(false);
    expect(result.message).toBe("Personalize: Project UID must be the 24-character project UID (Personalize → Settings → General)");
    expect(result.firstProblem).toEqual({ section: "personalize", where: "Personalize", field: "Project UID", elementId: "personalize-project-uid" });
    expect(result.errors.get("configuration.personalize.projectUid")).toMatch(/24-character/);
  });

  it("reports row errors at the row's path", () => {
    const state = run(defaultInstallationData(), { type: "addAttributeRow" });
    const result = validateInstallation(state);
    expect(result.isValid).toBe(false);
    expect(result.errors.get("configuration.attributeMappings.0.source")).toBeDefined();
    expect(result.errors.get("configuration.attributeMappings.0.attribute")).toBe("choose a Personalize attribute");
    expect(result.message).toBe("Attribute mappings, row 1: choose a Segment trait");
  });

  it("flags a secret with spaces in serverConfiguration", () => {
    const state = run(defaultInstallationData(), { type: "updateServer", patch: { segmentWriteKey: "has space" } });
    expect(validateInstallation(state).errors.get("serverConfiguration.segmentWriteKey")).toMatch(/printable ASCII/);
  });
});

describe("initialInstallationData", () => {
  it("fills defaults around valid stored data", () => {
    const state = initialInstallationData({
      configuration: { personalize: { projectUid: VALID_UID } },
      serverConfiguration: { webhookSharedSecret: "abc" },
    });
    expect(state.configuration.personalize).toEqual({ ...defaultInstallationData().configuration.personalize, projectUid: VALID_UID });
    expect(state.serverConfiguration.webhookSharedSecret).toBe("abc");
    expect(keyPaths(state).sort()).toEqual(keyPaths(defaultInstallationData()).sort());
  });

  it("keeps invalid stored values for the admin to fix, drops unknown keys and repairs rows", () => {
    const state = initialInstallationData({
      configuration: {
        personalize: { projectUid: "nope", region: 42 },
        attributeMappings: [{ source: "traits.plan", attribute: "plan" }, "garbage"],
        traitMappings: [{ segmentTrait: "old" }],
      },
      serverConfiguration: { segmentWriteKey: "has space", stray: "x" },
      webhooks: { channels: [] },
    });
    expect(state.configuration.personalize.projectUid).toBe("nope");
    expect(state.configuration.personalize.region).toBe("NA");
    expect(state.configuration.attributeMappings).toHaveLength(1);
    expect(state.configuration.attributeMappings[0]).toMatchObject({ source: "traits.plan", attribute: "plan", type: "auto", enabled: true });
    expect(state.configuration.attributeMappings[0].id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(state.serverConfiguration.segmentWriteKey).toBe("has space");
    expect(keyPaths(state).sort()).toEqual(keyPaths(defaultInstallationData()).sort());
  });

  it("falls back to the defaults for missing or malformed data", () => {
    expect(initialInstallationData(undefined)).toEqual(defaultInstallationData());
    expect(initialInstallationData({ configuration: "x", serverConfiguration: null })).toEqual(defaultInstallationData());
  });
});

describe("generated values", () => {
  it("match the formats Segment and the schema expect", () => {
    expect(newSharedSecret()).toMatch(/^[0-9a-f]{64}$/);
    expect(newWriteKey()).toMatch(/^wk_[0-9a-f]{32}$/);
    expect(newRowId()).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(newSharedSecret()).not.toBe(newSharedSecret());
  });
});
