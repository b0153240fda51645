import {
  defaultInstallationData,
  installationDataSchema,
  type AttributeMapping,
  type Configuration,
  type EventMapping,
  type InstallationData,
  type ServerConfiguration,
} from "../shared/installation-config";
import { newRowId } from "./random";

/**
 * The whole installation data `{configuration, serverConfiguration}` as one reducer state. Each state is what the
 * config screen hands to Contentstack in full, so no key can be dropped by a partial update.
 */
type SectionKey = "personalize" | "segment" | "identity" | "engage" | "twoWay" | "retention" | "alerts";

type SectionUpdate = {
  [K in SectionKey]: { type: "updateSection"; section: K; patch: Partial<Configuration[K]> };
}[SectionKey];

export type InstallationAction =
  | SectionUpdate
  | { type: "setUnmappedTraits"; value: Configuration["unmappedTraits"] }
  /** Secrets go here and nowhere else: `configuration` is visible to every location. */
  | { type: "updateServer"; patch: Partial<ServerConfiguration> }
  | { type: "addAttributeRow" }
  | { type: "updateAttributeRow"; id: string; patch: Partial<Omit<AttributeMapping, "id">> }
  | { type: "removeAttributeRow"; id: string }
  | { type: "addEventRow" }
  | { type: "updateEventRow"; id: string; patch: Partial<Omit<EventMapping, "id">> }
  | { type: "removeEventRow"; id: string };

function newAttributeRow(): AttributeMapping {
  return { id: newRowId(), enabled: true, source: "traits.", attribute: "", type: "auto", defaultValue: "" };
}

function newEventRow(): EventMapping {
  return { id: newRowId(), enabled: true, source: "track", segmentEvent: "", personalizeEvent: "", condition: "" };
}

export function installationReducer(state: InstallationData, action: InstallationAction): InstallationData {
  const { configuration } = state;
  switch (action.type) {
    case "updateSection":
      return withConfiguration(state, updateSection(configuration, action.section, action.patch));
    case "setUnmappedTraits":
      return withConfiguration(state, { ...configuration, unmappedTraits: action.value });
    case "updateServer":
      return { ...state, serverConfiguration: { ...state.serverConfiguration, ...action.patch } };
    case "addAttributeRow":
      return withConfiguration(state, {
        ...configuration,
        attributeMappings: [...configuration.attributeMappings, newAttributeRow()],
      });
    case "updateAttributeRow":
      return withConfiguration(state, {
        ...configuration,
        attributeMappings: updateRow(configuration.attributeMappings, action.id, action.patch),
      });
    case "removeAttributeRow":
      return withConfiguration(state, {
        ...configuration,
        attributeMappings: configuration.attributeMappings.filter((row) => row.id !== action.id),
      });
    case "addEventRow":
      return withConfiguration(state, {
        ...configuration,
        eventMappings: [...configuration.eventMappings, newEventRow()],
      });
    case "updateEventRow":
      return withConfiguration(state, {
        ...configuration,
        eventMappings: updateRow(configuration.eventMappings, action.id, action.patch),
      });
    case "removeEventRow":
      return withConfiguration(state, {
        ...configuration,
        eventMappings: configuration.eventMappings.filter((row) => row.id !== action.id),
      });
  }
}

function withConfiguration(state: InstallationData, configuration: Configuration): InstallationData {
  return { ...state, configuration };
}

function updateSection<K extends SectionKey>(
  configuration: Configuration,
  section: K,
  patch: Partial<Configuration[K]>,
): Configuration {
  return { ...configuration, [section]: { ...configuration[section], ...patch } };
}

function updateRow<Row extends { id: string }>(rows: Row[], id: string, patch: Partial<Omit<Row, "id">>): Row[] {
  return rows.map((row) => (row.id === id ? { ...row, ...patch } : row));
}

/**
 * The reducer's first state: what Contentstack stored, over the defaults. Valid data goes through the schema;
 * invalid data (a half-finished setup) must still load so the admin can fix it, so then every stored value whose
 * type matches the default is kept and validation points at the rest. Unknown keys are dropped either way.
 */
export function initialInstallationData(stored: unknown): InstallationData {
  const parsed = installationDataSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const defaults = defaultInstallationData();
  const record = asRecord(stored);
  const storedConfiguration = asRecord(record.configuration);
  return {
    configuration: {
      ...mergeKnown(defaults.configuration, storedConfiguration),
      attributeMappings: asRows(storedConfiguration.attributeMappings).map((row) => mergeKnown(newAttributeRow(), row)),
      eventMappings: asRows(storedConfiguration.eventMappings).map((row) => mergeKnown(newEventRow(), row)),
    },
    serverConfiguration: mergeKnown(defaults.serverConfiguration, record.serverConfiguration),
  };
}

function mergeKnown<T>(defaults: T, stored: unknown): T {
  if (isRecord(defaults)) {
    if (!isRecord(stored)) return defaults;
    const merged: Record<string, unknown> = { ...defaults };
    for (const key of Object.keys(defaults)) merged[key] = mergeKnown(defaults[key], stored[key]);
    return merged as T;
  }
  // Arrays (the mapping rows) are merged row by row by the caller.
  if (Array.isArray(defaults)) return defaults;
  return typeof stored === typeof defaults ? (stored as T) : defaults;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function asRows(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}
