import type { InstallationData } from "../shared/installation-config";
import { capitalize } from "../ui/format";
import { sectionTitle, type ConfigSectionId } from "./sections";

/** Where a problem is on the screen: its section, the words for its place and field, and the control to focus. */
export interface ProblemPlace {
  section: ConfigSectionId;
  /** `Attribute mappings, row 3` or `Personalize`. */
  where: string;
  /** The field's label as the screen shows it. */
  field: string;
  elementId: string;
}

export interface SchemaIssue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
}

const ATTRIBUTE_ROW_FIELDS: Record<string, { field: string; control: string }> = {
  source: { field: "Segment source path", control: "source" },
  attribute: { field: "Personalize attribute key", control: "attribute" },
  type: { field: "Type", control: "type" },
  defaultValue: { field: "Default value", control: "default" },
};

const EVENT_ROW_FIELDS: Record<string, { field: string; control: string }> = {
  source: { field: "Segment call", control: "source" },
  segmentEvent: { field: "Segment event name", control: "segment-event" },
  condition: { field: "Condition", control: "condition" },
  personalizeEvent: { field: "Personalize event key", control: "personalize-event" },
};

const PERSONALIZE_FIELDS: Record<string, { field: string; elementId: string }> = {
  region: { field: "Region", elementId: "personalize-region" },
  projectUid: { field: "Project UID", elementId: "personalize-project-uid" },
  customEdgeUrl: { field: "Edge API URL", elementId: "personalize-custom-edge-url" },
  customManagementUrl: { field: "Management API URL", elementId: "personalize-custom-management-url" },
};

const SECRET_FIELDS: Record<string, { section: ConfigSectionId; field: string; elementId: string }> = {
  webhookSharedSecret: { section: "segment", field: "Shared secret", elementId: "segment-shared-secret" },
  webhookBearerToken: { section: "segment", field: "Bearer token", elementId: "segment-bearer-token" },
  trackingWriteKey: { section: "segment", field: "Tracking API write key", elementId: "segment-tracking-write-key" },
  segmentWriteKey: { section: "segment", field: "Segment source write key", elementId: "segment-source-write-key" },
  segmentPublicApiToken: { section: "segment", field: "Segment Public API token", elementId: "segment-public-api-token" },
  personalizeManagementToken: { section: "personalize", field: "Management API token", elementId: "personalize-management-token" },
  personalizeManagementTokenType: { section: "personalize", field: "Management API token type", elementId: "personalize-token-type" },
};

const ALERT_RULES: Record<string, string> = {
  failureRate: "Failure rate",
  deadLetters: "Dead-lettered events",
  oldestPending: "Oldest pending event",
  noEvents: "No events received",
};

const ALERT_FIELDS: Record<string, string> = { percent: "percent", windowMinutes: "window", minutes: "minutes", hours: "hours" };

const OTHER_FIELDS: Record<string, { section: ConfigSectionId; field: string; elementId: string }> = {
  "segment.region": { section: "segment", field: "Segment data region", elementId: "segment-region" },
  "twoWay.eventName": { section: "segment", field: "Two-way event name", elementId: "segment-two-way-event" },
  "twoWay.identifyTrait": { section: "segment", field: "Two-way identify trait", elementId: "segment-two-way-trait" },
  unmappedTraits: { section: "attribute-mappings", field: "Traits without a mapping", elementId: "unmapped-traits" },
  "engage.attributePrefix": { section: "engage", field: "Attribute prefix", elementId: "engage-prefix" },
  "retention.days": { section: "retention", field: "Keep entries for (days)", elementId: "retention-days" },
  "retention.maxRows": { section: "retention", field: "Keep at most (entries)", elementId: "retention-max-rows" },
  "alerts.webhookUrl": { section: "alerts", field: "Webhook URL", elementId: "alerts-webhook-url" },
};

function place(section: ConfigSectionId, field: string, elementId: string, where = sectionTitle(section)): ProblemPlace {
  return { section, where, field, elementId };
}

/** The screen's words for a schema path (`configuration.attributeMappings.2.source` → Attribute mappings, row 3). */
export function placeOf(path: readonly PropertyKey[]): ProblemPlace | null {
  const [half, ...rest] = path.map((part) => (typeof part === "number" ? part : String(part)));
  if (half === "serverConfiguration") {
    const secret = SECRET_FIELDS[String(rest[0])];
    return secret ? place(secret.section, secret.field, secret.elementId) : null;
  }
  if (half !== "configuration") return null;
  const [group, second, third] = rest;
  if ((group === "attributeMappings" || group === "eventMappings") && typeof second === "number") {
    const isAttribute = group === "attributeMappings";
    const fields = isAttribute ? ATTRIBUTE_ROW_FIELDS : EVENT_ROW_FIELDS;
    const known = fields[String(third)];
    if (!known) return null;
    const section = isAttribute ? "attribute-mappings" : "event-mappings";
    const base = `${isAttribute ? "attribute" : "event"}-row-${second}`;
    return place(section, known.field, `${base}-${known.control}`, `${sectionTitle(section)}, row ${second + 1}`);
  }
  if (group === "personalize" && PERSONALIZE_FIELDS[String(second)]) {
    const known = PERSONALIZE_FIELDS[String(second)];
    return place("personalize", known.field, known.elementId);
  }
  if (group === "identity") return place("identity", "Identity option", `identity-${String(second)}`);
  if (group === "alerts" && ALERT_RULES[String(second)]) {
    const rule = ALERT_RULES[String(second)];
    const field = third === undefined || third === "enabled" ? rule : `${rule} ${ALERT_FIELDS[String(third)] ?? String(third)}`;
    return place("alerts", field, `alerts-${String(second)}-${String(third ?? "enabled")}`);
  }
  const other = OTHER_FIELDS[[group, second].filter((part) => part !== undefined).join(".")];
  return other ? place(other.section, other.field, other.elementId) : null;
}

function valueAt(data: InstallationData, path: readonly PropertyKey[]): unknown {
  let value: unknown = data;
  for (const part of path) value = typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

const SOURCE_ROOT_WORDS: Record<string, string> = {
  "traits.": "a Segment trait",
  "context.traits.": "a Segment trait",
  "properties.": "a Segment property",
};

/**
 * What to do about one problem, in words a user knows, without the field's name (the screen shows it beside the
 * field; `describeProblem` adds it where it is not). Empty required fields say what to pick or type.
 */
export function plainMessage(issue: SchemaIssue, data: InstallationData): string {
  const path = issue.path.map(String);
  const field = path.at(-1);
  const value = valueAt(data, issue.path);
  const blank = typeof value === "string" && value.trim() === "";
  const inRows = path[1] === "attributeMappings" || path[1] === "eventMappings";
  if (inRows && path[1] === "attributeMappings" && field === "source") {
    const text = String(value ?? "").trim();
    const root = Object.keys(SOURCE_ROOT_WORDS).find((prefix) => text === prefix || text === prefix.slice(0, -1));
    if (blank || root) return `choose ${SOURCE_ROOT_WORDS[root ?? "traits."]}`;
    return "start with traits., context.traits. or properties., then the key to read";
  }
  if (inRows && blank) {
    if (field === "attribute") return "choose a Personalize attribute";
    if (field === "segmentEvent") return "type the Segment event name, or * for any";
    if (field === "personalizeEvent") return "choose a Personalize event";
  }
  const duplicate = /^duplicates the target of row (\d+)$/.exec(issue.message);
  if (duplicate) return `row ${duplicate[1]} already sends to this attribute; choose another or turn one row off`;
  if (issue.code === "invalid_type") return "enter a number";
  if (issue.message === "is required") return "fill this in";
  return issue.message;
}

/** A problem as one sentence for the Save bar: `Attribute mappings, row 3: choose a Segment trait`. */
export function describeProblem(issue: SchemaIssue, data: InstallationData): string {
  const message = plainMessage(issue, data);
  const where = placeOf(issue.path);
  if (!where) return capitalize(message);
  const startsWithVerb = /^(choose|type|fill|enter|start|row \d)/.test(message);
  const sentence = /^[A-Z]/.test(message);
  const text = startsWithVerb || message.startsWith(where.field) ? message : `${where.field}${sentence ? ":" : ""} ${message}`;
  return `${where.where}: ${text}`;
}
