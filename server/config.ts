/**
 * Server settings from environment variables, validated at start. A bad value fails fast with a message that
 * names the variable, before anything listens or opens the database.
 */
import { z } from "zod";
import { REGIONS } from "../src/shared/regions.ts";

const integer = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === "") return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: "custom", message: `${name} must be an integer from ${min} to ${max} (got "${raw}")` });
        return z.NEVER;
      }
      return value;
    });

const csv = z
  .string()
  .optional()
  .transform((raw) => (raw ? raw.split(",").map((s) => s.trim()).filter(Boolean) : []));

/**
 * Which peers may set X-Forwarded-For: none (default; the socket address is the client), `true` (any: only when
 * every request comes through a proxy), a hop count, or addresses, CIDRs and ranges such as `loopback`.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((raw): boolean | number | string[] => {
    const value = raw?.trim() ?? "";
    if (value === "" || value === "false") return false;
    if (value === "true") return true;
    if (/^\d+$/.test(value)) return Number(value);
    return value.split(",").map((s) => s.trim()).filter(Boolean);
  });

const envSchema = z.object({
  PORT: integer("PORT", 0, 65535, 3000),
  HOST: z.string().default("127.0.0.1"),
  /** `postgres://…` selects PostgreSQL; anything else is a SQLite file path (default data/sync.db). */
  DATABASE_URL: z.string().default("data/sync.db"),
  ROLE: z.enum(["all", "api", "worker"], { message: 'ROLE must be "all", "api" or "worker"' }).default("all"),
  APP_UID: z.string().default(""),
  /** Where the app-token signing key is fetched; defaults to the region's Contentstack app host. */
  CS_PUBLIC_KEYS_URL: z.string().url("CS_PUBLIC_KEYS_URL must be a URL").optional(),
  CS_REGION: z.enum(REGIONS, { message: `CS_REGION must be one of ${REGIONS.join(", ")}` }).default("NA"),
  /** Unconfirmed (contentstack-app.md §8): the padding of X-Contentstack-Request-Signature. */
  CS_WEBHOOK_SIGNATURE_PADDING: z
    .enum(["pss", "pkcs1"], { message: 'CS_WEBHOOK_SIGNATURE_PADDING must be "pss" or "pkcs1"' })
    .default("pss"),
  SESSION_SECRET: z.string().optional(),
  SESSION_TTL_SECONDS: integer("SESSION_TTL_SECONDS", 60, 8 * 3600, 3600),
  /** Comma-separated `keyId:base64(32 bytes)`; the first encrypts, all decrypt (rotation). */
  SECRETS_KEYS: z.string().optional(),
  /** Extra Personalize hosts (host[:port]) allowed besides the regional ones, e.g. a private endpoint. */
  PERSONALIZE_HOST_ALLOWLIST: csv,
  /** Extra Segment Tracking API hosts allowed for the two-way sync (tests, proxies). */
  SEGMENT_HOST_OVERRIDE: z.string().url("SEGMENT_HOST_OVERRIDE must be a URL").optional(),
  /** Replaces the regional Segment Public API base URL (the local emulator, proxies). */
  SEGMENT_PUBLIC_API_URL: z.string().url("SEGMENT_PUBLIC_API_URL must be a URL").optional(),
  /** The Webhooks (Actions) catalog id Connect creates; Unconfirmed beyond segment.md §2, hence configurable. */
  SEGMENT_WEBHOOK_METADATA_ID: z.string().regex(/^[A-Za-z0-9]{1,64}$/, "SEGMENT_WEBHOOK_METADATA_ID must be a catalog id").optional(),
  DELIVERY_CONCURRENCY: integer("DELIVERY_CONCURRENCY", 1, 1024, 64),
  /** Events planned (mapped and coalesced per user) together; larger batches coalesce more under backlog. */
  DELIVERY_PLAN_BATCH: integer("DELIVERY_PLAN_BATCH", 1, 100_000, 10_000),
  DELIVERY_BATCH_WINDOW_MS: integer("DELIVERY_BATCH_WINDOW_MS", 0, 60_000, 2000),
  DELIVERY_TIMEOUT_MS: integer("DELIVERY_TIMEOUT_MS", 100, 120_000, 10_000),
  DELIVERY_RETRY_BASE_MS: integer("DELIVERY_RETRY_BASE_MS", 10, 600_000, 1000),
  DELIVERY_MAX_AGE_MS: integer("DELIVERY_MAX_AGE_MS", 1000, 7 * 24 * 3600 * 1000, 4 * 3600 * 1000),
  /** The two-way sync fetches one user's manifest at most this often. */
  TWO_WAY_MIN_INTERVAL_MS: integer("TWO_WAY_MIN_INTERVAL_MS", 0, 24 * 3600 * 1000, 30_000),
  INGEST_MAX_BACKLOG: integer("INGEST_MAX_BACKLOG", 100, 100_000_000, 200_000),
  /** One installation's fair share of ingest (see tenant-limits.ts). */
  INGEST_MAX_BACKLOG_PER_INSTALLATION: integer("INGEST_MAX_BACKLOG_PER_INSTALLATION", 100, 100_000_000, 100_000),
  INGEST_EVENTS_PER_SECOND_PER_INSTALLATION: integer("INGEST_EVENTS_PER_SECOND_PER_INSTALLATION", 1, 10_000_000, 20_000),
  INGEST_BURST_EVENTS_PER_INSTALLATION: integer("INGEST_BURST_EVENTS_PER_INSTALLATION", 1, 10_000_000, 40_000),
  INGEST_REQUESTS_IN_FLIGHT_PER_INSTALLATION: integer("INGEST_REQUESTS_IN_FLIGHT_PER_INSTALLATION", 1, 10_000, 64),
  /** A signed webhook event whose Segment receivedAt is older than this is a replay (Segment retries for 4 h). */
  WEBHOOK_MAX_EVENT_AGE_SECONDS: integer("WEBHOOK_MAX_EVENT_AGE_SECONDS", 60, 7 * 24 * 3600, 5 * 3600),
  /** An app-token older than this (from its iat) cannot open a session. */
  APP_TOKEN_MAX_AGE_SECONDS: integer("APP_TOKEN_MAX_AGE_SECONDS", 10, 24 * 3600, 300),
  LIVE_STREAMS_PER_INSTALLATION: integer("LIVE_STREAMS_PER_INSTALLATION", 1, 10_000, 10),
  LIVE_STREAMS_MAX: integer("LIVE_STREAMS_MAX", 1, 100_000, 500),
  API_REQUESTS_PER_MINUTE_PER_SESSION: integer("API_REQUESTS_PER_MINUTE_PER_SESSION", 1, 1_000_000, 300),
  API_REQUESTS_PER_MINUTE_PER_INSTALLATION: integer("API_REQUESTS_PER_MINUTE_PER_INSTALLATION", 1, 1_000_000, 600),
  HTTP_REQUEST_TIMEOUT_MS: integer("HTTP_REQUEST_TIMEOUT_MS", 1000, 600_000, 30_000),
  HTTP_HEADERS_TIMEOUT_MS: integer("HTTP_HEADERS_TIMEOUT_MS", 1000, 600_000, 10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer("HTTP_KEEP_ALIVE_TIMEOUT_MS", 100, 600_000, 5000),
  HTTP_MAX_CONNECTIONS: integer("HTTP_MAX_CONNECTIONS", 10, 1_000_000, 4000),
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** How often each installation's alert rules are checked. */
  ALERT_CHECK_INTERVAL_MS: integer("ALERT_CHECK_INTERVAL_MS", 50, 3_600_000, 60_000),
  /** Alert webhook hosts (host[:port]) allowed besides Slack's, e.g. an internal relay. */
  ALERT_WEBHOOK_HOST_ALLOWLIST: csv,
  /** Bearer token for GET /metrics; unset, the route does not exist. */
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
});

export type ServerSettings = z.infer<typeof envSchema> & { sessionSecret: string };

export class ConfigError extends Error {}

export function loadSettings(env: Record<string, string | undefined>, options: { dev?: boolean } = {}): ServerSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? "");
    const message = issue.message.startsWith(variable) ? issue.message : `${variable}: ${issue.message}`;
    throw new ConfigError(`Invalid configuration: ${message}`);
  }
  const settings = parsed.data;
  if (!settings.APP_UID && !options.dev) {
    throw new ConfigError("Invalid configuration: APP_UID is required (the app's uid from Developer Hub)");
  }
  let sessionSecret = settings.SESSION_SECRET ?? "";
  if (sessionSecret && sessionSecret.length < 32) {
    throw new ConfigError("Invalid configuration: SESSION_SECRET must be at least 32 characters");
  }
  if (!sessionSecret) {
    if (!options.dev) {
      throw new ConfigError("Invalid configuration: SESSION_SECRET is required (32+ random characters)");
    }
    sessionSecret = crypto.randomUUID() + crypto.randomUUID();
  }
  if (!settings.SECRETS_KEYS && !options.dev) {
    throw new ConfigError("Invalid configuration: SECRETS_KEYS is required (keyId:base64 of 32 random bytes)");
  }
  return { ...settings, sessionSecret };
}
