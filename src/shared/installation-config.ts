/**
 * The installation's configuration, validated by the same zod schema in the config screen (setValidity, inline
 * errors) and on the server (lifecycle webhook, API). Non-secret settings live in `configuration`, which
 * Contentstack shares with every location; every secret lives in `serverConfiguration` (contentstack-app.md §4).
 */
import { z } from "zod";
import { fqlProblem } from "./fql";
import { REGIONS, SEGMENT_REGIONS } from "./regions";

export const CONFIG_VERSION = 1;

/** A Personalize project uid is a 24-character id (personalize-api.md §3.1). */
export const PROJECT_UID_PATTERN = /^[A-Za-z0-9]{24}$/;

/** Where a mapped value is read from: traits.*, context.traits.* or properties.* (track/page/screen). */
export const SOURCE_PATH_PATTERN = /^(traits|context\.traits|properties)\.[^.\s][^\s]*$/;

export const ATTRIBUTE_TYPES = ["auto", "string", "number", "boolean", "date"] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export const EVENT_SOURCES = ["track", "page", "screen"] as const;

const rowId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, - or _");

export const attributeMappingSchema = z.object({
  id: rowId,
  enabled: z.boolean().default(true),
  source: z
    .string()
    .trim()
    .regex(SOURCE_PATH_PATTERN, "must start with traits., context.traits. or properties. followed by a key"),
  attribute: z.string().trim().min(1, "is required").max(256, "must be at most 256 characters"),
  type: z.enum(ATTRIBUTE_TYPES).default("auto"),
  /** Sent when the source path is absent from the event; empty means "send nothing". */
  defaultValue: z.string().max(1024).default(""),
});
export type AttributeMapping = z.infer<typeof attributeMappingSchema>;

export const eventMappingSchema = z.object({
  id: rowId,
  enabled: z.boolean().default(true),
  source: z.enum(EVENT_SOURCES).default("track"),
  /** Segment event name (track) or page/screen name; `*` matches any name of that source. */
  segmentEvent: z.string().trim().min(1, "is required").max(512),
  personalizeEvent: z.string().trim().min(1, "is required").max(256),
  /** Optional trigger in Segment's FQL, evaluated with @segment/destination-subscriptions. */
  condition: z
    .string()
    .trim()
    .max(2048)
    .default("")
    .superRefine((value, ctx) => {
      if (!value) return;
      const problem = fqlProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
});
export type EventMapping = z.infer<typeof eventMappingSchema>;

const httpsUrl = z
  .string()
  .trim()
  .url("must be a URL")
  .refine((u) => /^https?:\/\//.test(u), "must start with https:// or http://");

const whole = (min: number, max: number, unit: string) =>
  z.number().int().min(min, `must be at least ${min} ${unit}`).max(max, `must be at most ${max} ${unit}`);

/** Alert rules of an installation; a notice goes to `webhookUrl` (Slack-compatible JSON) and to the widget. */
export const alertsSchema = z.object({
  webhookUrl: z.string().trim().max(2048).default(""),
  failureRate: z
    .object({ enabled: z.boolean().default(true), percent: whole(1, 100, "%").default(20), windowMinutes: whole(1, 1440, "minutes").default(15) })
    .default({ enabled: true, percent: 20, windowMinutes: 15 }),
  deadLetters: z.object({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  oldestPending: z
    .object({ enabled: z.boolean().default(true), minutes: whole(1, 1440, "minutes").default(30) })
    .default({ enabled: true, minutes: 30 }),
  noEvents: z.object({ enabled: z.boolean().default(false), hours: whole(1, 168, "hours").default(24) }).default({ enabled: false, hours: 24 }),
});
export type AlertRules = z.infer<typeof alertsSchema>;
export const DEFAULT_ALERTS: AlertRules = alertsSchema.parse({});

export const configurationSchema = z
  .object({
    version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION),
    personalize: z
      .object({
        region: z.enum([...REGIONS, "CUSTOM"]).default("NA"),
        projectUid: z.string().trim().default(""),
        customEdgeUrl: z.string().trim().default(""),
        customManagementUrl: z.string().trim().default(""),
      })
      .default({ region: "NA", projectUid: "", customEdgeUrl: "", customManagementUrl: "" }),
    segment: z
      .object({
        region: z.enum(SEGMENT_REGIONS).default("US"),
      })
      .default({ region: "US" }),
    identity: z
      .object({
        anonymousFallback: z.boolean().default(false),
        mergeOnAlias: z.boolean().default(true),
        mergeOnIdentify: z.boolean().default(false),
      })
      .default({ anonymousFallback: false, mergeOnAlias: true, mergeOnIdentify: false }),
    attributeMappings: z.array(attributeMappingSchema).max(1000).default([]),
    unmappedTraits: z.enum(["drop", "passthrough"]).default("drop"),
    eventMappings: z.array(eventMappingSchema).max(1000).default([]),
    engage: z
      .object({
        audiences: z.boolean().default(true),
        computedTraits: z.boolean().default(true),
        attributePrefix: z
          .string()
          .trim()
          .max(64)
          .regex(/^[A-Za-z0-9_]*$/, "may contain only letters, digits and _")
          .default(""),
      })
      .default({ audiences: true, computedTraits: true, attributePrefix: "" }),
    twoWay: z
      .object({
        enabled: z.boolean().default(false),
        eventName: z.string().trim().min(1, "is required").max(256).default("Experiment Viewed"),
        identifyTrait: z
          .string()
          .trim()
          .max(256)
          .regex(/^[A-Za-z0-9_]*$/, "may contain only letters, digits and _")
          .default(""),
      })
      .default({ enabled: false, eventName: "Experiment Viewed", identifyTrait: "" }),
    retention: z
      .object({
        days: z.number().int().min(1, "must be at least 1 day").max(90, "must be at most 90 days").default(14),
        maxRows: z
          .number()
          .int()
          .min(1000, "must be at least 1,000 rows")
          .max(10_000_000, "must be at most 10,000,000 rows")
          .default(1_000_000),
      })
      .default({ days: 14, maxRows: 1_000_000 }),
    alerts: alertsSchema.default(DEFAULT_ALERTS),
  })
  .superRefine((config, ctx) => {
    const { personalize } = config;
    if (personalize.projectUid && !PROJECT_UID_PATTERN.test(personalize.projectUid)) {
      ctx.addIssue({
        code: "custom",
        path: ["personalize", "projectUid"],
        message: "must be the 24-character project UID (Personalize → Settings → General)",
      });
    }
    if (personalize.region === "CUSTOM") {
      for (const key of ["customEdgeUrl", "customManagementUrl"] as const) {
        const value = personalize[key];
        if (key === "customManagementUrl" && !value) continue;
        const result = httpsUrl.safeParse(value);
        if (!result.success) {
          ctx.addIssue({ code: "custom", path: ["personalize", key], message: result.error.issues[0].message });
        }
      }
    }
    if (config.alerts.webhookUrl) {
      const result = httpsUrl.safeParse(config.alerts.webhookUrl);
      if (!result.success) ctx.addIssue({ code: "custom", path: ["alerts", "webhookUrl"], message: result.error.issues[0].message });
    }
    const seen = new Map<string, number>();
    config.attributeMappings.forEach((row, index) => {
      if (!row.enabled) return;
      const previous = seen.get(row.attribute);
      if (previous !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["attributeMappings", index, "attribute"],
          message: `duplicates the target of row ${previous + 1}`,
        });
      } else seen.set(row.attribute, index);
    });
  });
export type Configuration = z.infer<typeof configurationSchema>;
export type ConfigurationInput = z.input<typeof configurationSchema>;

const secret = (label: string) =>
  z
    .string()
    .max(512, `${label} must be at most 512 characters`)
    .regex(/^[\x21-\x7e]*$/, `${label} may contain only printable ASCII without spaces`)
    .default("");

export const serverConfigurationSchema = z.object({
  /** Shared secret of the Segment Webhooks (Actions) destination (X-Signature HMAC key). */
  webhookSharedSecret: secret("Shared secret"),
  /** Optional static `Authorization: Bearer …` accepted instead of a signature. */
  webhookBearerToken: secret("Bearer token"),
  /** The write key we issue for our Segment-compatible Tracking API. */
  trackingWriteKey: secret("Tracking API write key"),
  /** Write key of the customer's own Segment source, for the two-way sync. */
  segmentWriteKey: secret("Segment write key"),
  /** Optional Personalize Management API credential: a user authtoken or an OAuth bearer token. */
  personalizeManagementToken: secret("Management API token"),
  personalizeManagementTokenType: z.enum(["authtoken", "bearer"]).default("authtoken"),
  /** Segment Public API token, for one-click Connect, tracking-plan suggestions and Segment's delivery overview. */
  segmentPublicApiToken: secret("Segment Public API token"),
});
export type ServerConfiguration = z.infer<typeof serverConfigurationSchema>;

export const SECRET_KEYS = [
  "webhookSharedSecret",
  "webhookBearerToken",
  "trackingWriteKey",
  "segmentWriteKey",
  "personalizeManagementToken",
  "segmentPublicApiToken",
] as const satisfies readonly (keyof ServerConfiguration)[];

export const installationDataSchema = z.object({
  configuration: configurationSchema,
  serverConfiguration: serverConfigurationSchema,
});
export type InstallationData = z.infer<typeof installationDataSchema>;
export type InstallationDataInput = z.input<typeof installationDataSchema>;

export function defaultInstallationData(): InstallationData {
  return installationDataSchema.parse({ configuration: {}, serverConfiguration: {} });
}

/** A precise, human message for the first problem, e.g. `Personalize › Project UID must be …`. */
export function describeIssue(issue: { path: PropertyKey[]; message: string }): string {
  const path = issue.path
    .map((part) => (typeof part === "number" ? `row ${part + 1}` : String(part)))
    .join(" › ");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Masks a secret for display: `••••1234`. Short secrets show no characters at all. */
export function maskSecret(value: string | undefined | null): string {
  if (!value) return "";
  return value.length >= 12 ? `••••${value.slice(-4)}` : "••••";
}
