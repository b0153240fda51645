/**
 * What a connected source's Webhooks (Actions) destination should look like for one installation: its name (our
 * marker: Disconnect removes only what carries it), its settings, and one `send` subscription per kind of mapped
 * event, each with an FQL trigger and the action's field mapping (segment.md §2). Pure: no I/O.
 */
import { MAX_EVENT_BYTES } from "../ingest/segment-event.ts";
import { MAX_WEBHOOK_BATCH, WEBHOOK_BODY_LIMIT } from "../ingest/webhook-route.ts";
import type { Configuration, ServerConfiguration } from "../../src/shared/installation-config.ts";

/**
 * The Webhooks (Actions) catalog id (segment.md §2). Unconfirmed beyond that document: override it with
 * SEGMENT_WEBHOOK_METADATA_ID if `GET /catalog/destinations` shows another id.
 */
export const WEBHOOK_METADATA_ID = "614a3c7d791c91c41bae7599";
export const WEBHOOK_ACTION_SLUG = "send";
/**
 * As many events as our ingest always accepts in one request: even at Segment's 32 KB per event the batch stays
 * under our body limit (a 413 would be final for Segment, so those events would be lost). 512 with today's
 * limits, below Segment's default of 1000, so Segment uses stream batching (segment.md §2).
 */
export const WEBHOOK_BATCH_SIZE = Math.min(Math.floor(WEBHOOK_BODY_LIMIT / (MAX_EVENT_BYTES + 64)), MAX_WEBHOOK_BATCH);

export interface DesiredSubscription {
  name: string;
  trigger: string;
  settings: Record<string, unknown>;
}

export interface WebhookAuth {
  /** The destination's settings (the Shared Secret that makes Segment sign each request with X-Signature). */
  destinationSettings: Record<string, string>;
  /** Headers every `send` mapping adds. */
  headers: Record<string, string>;
  /** Whether Segment may send several events in one request. */
  batching: boolean;
}

/**
 * The ONE place that decides how Segment authenticates to our ingest: the X-Signature shared secret, plus the
 * optional static bearer token as a header. Segment signs a batch over its first event only (segment.md §2.1),
 * and our ingest refuses a batch whose signature does not cover it whole, so with a shared secret every request
 * carries one event, signed in full.
 */
export function webhookAuth(secrets: ServerConfiguration): WebhookAuth {
  return {
    destinationSettings: secrets.webhookSharedSecret ? { sharedSecret: secrets.webhookSharedSecret } : {},
    headers: secrets.webhookBearerToken ? { Authorization: `Bearer ${secrets.webhookBearerToken}` } : {},
    batching: !secrets.webhookSharedSecret,
  };
}

export function destinationName(installationUid: string): string {
  return `Contentstack Personalize (${installationUid})`;
}

const SUBSCRIPTION_PREFIX = "Contentstack Personalize: ";

export function isOurSubscription(name: unknown): boolean {
  return typeof name === "string" && name.startsWith(SUBSCRIPTION_PREFIX);
}

/** FQL strings have no escapes (@segment/destination-subscriptions reads `\` literally and ends at any `"`). */
const quote = (value: string) => `"${value}"`;

/**
 * `type = "track" and (event = "A" or event = "B")`, or the whole type when a row maps `*` or a name holds a `"`
 * that FQL cannot express: subscribing to more is safe, as our own mappings still pick the events.
 */
function namedTrigger(type: string, field: "event" | "name", names: string[]): string | null {
  if (names.length === 0) return null;
  if (names.some((name) => name === "*" || name.includes('"'))) return `type = ${quote(type)}`;
  const unique = [...new Set(names)].sort();
  return `type = ${quote(type)} and (${unique.map((name) => `${field} = ${quote(name)}`).join(" or ")})`;
}

export function desiredSubscriptions(configuration: Configuration, ingestUrl: string, auth: WebhookAuth): DesiredSubscription[] {
  const settings = {
    url: ingestUrl,
    method: "POST",
    headers: auth.headers,
    data: { "@path": "$." },
    ...(auth.batching
      ? { enable_batching: true, batch_size: WEBHOOK_BATCH_SIZE, batch_keys: ["url", "method", "headers"] }
      : { enable_batching: false }),
  };
  const rows = configuration.eventMappings.filter((row) => row.enabled);
  const names = (source: string) => rows.filter((row) => row.source === source).map((row) => row.segmentEvent);
  const triggers: Array<[string, string | null]> = [
    // Traits, computed traits and audience traits all arrive on identify calls (segment.md §6).
    ["Identify", 'type = "identify"'],
    ["Track events", namedTrigger("track", "event", names("track"))],
    ["Page views", namedTrigger("page", "name", names("page"))],
    ["Screen views", namedTrigger("screen", "name", names("screen"))],
    ["Engage audiences", configuration.engage.audiences ? 'type = "track" and (event = "Audience Entered" or event = "Audience Exited")' : null],
  ];
  return triggers.flatMap(([label, trigger]) => (trigger ? [{ name: `${SUBSCRIPTION_PREFIX}${label}`, trigger, settings }] : []));
}

/** Whether a subscription Segment holds already says what we want (key order aside). */
export function sameSubscription(existing: { trigger?: unknown; enabled?: unknown; settings?: unknown }, desired: DesiredSubscription): boolean {
  return existing.trigger === desired.trigger && existing.enabled === true && canonical(existing.settings) === canonical(desired.settings);
}

export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
