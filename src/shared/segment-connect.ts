/**
 * The contract of the Segment Public API features (one-click Connect, tracking-plan and Unify suggestions,
 * Segment's side of the funnel), shared by the config screen, the sync-log page and the server.
 */
import { z } from "zod";
import { configurationSchema, serverConfigurationSchema } from "./installation-config";

/**
 * The least a Public API token needs, per feature (segment.md §8). Unconfirmed: Segment does not document the
 * least role that may create a destination; Source Admin on the chosen sources is the documented write role.
 */
export const SEGMENT_ROLES = {
  listSources: "Source Read-only",
  connect: "Source Admin",
  trackingPlans: "Tracking Plan Read-only",
  unify: "Unify Read-only",
  deliveryOverview: "Source Read-only",
} as const;
export type SegmentRoleNeed = keyof typeof SEGMENT_ROLES;

/** What the UI sends: the (unsaved) draft, from which the server reads the region, the mappings and the token. */
export const segmentDraftSchema = z.object({
  configuration: configurationSchema,
  serverConfiguration: serverConfigurationSchema,
});

export const connectRequestSchema = segmentDraftSchema.extend({
  sourceIds: z
    .array(z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "must be Segment source ids"))
    .min(1, "pick at least one source")
    .max(20, "connect at most 20 sources at once"),
  /** The webhook URL the config screen shows; the server accepts only this installation's ingest path on it. */
  ingestUrl: z.string().trim().url("must be a URL").max(2048),
});
export type ConnectRequest = z.input<typeof connectRequestSchema>;

export const disconnectRequestSchema = segmentDraftSchema.extend({
  sourceId: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, "must be a Segment source id"),
});

export const CONNECTION_STATES = ["not_connected", "connected", "receiving", "outdated"] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export interface SegmentSourceConnection {
  state: ConnectionState;
  destinationId: string | null;
  /** What the subscriptions trigger on, as Segment shows them. */
  triggers: string[];
  /**
   * The latest event this installation received through its webhook. Segment's payloads do not name their source,
   * so with several connected sources it is the installation's latest, not this source's.
   */
  latestEvent: { receivedAt: string | number; type: string; name: string | null } | null;
}

export interface SegmentSource {
  id: string;
  name: string;
  slug: string;
  enabled: boolean;
  connection: SegmentSourceConnection;
}

/** Every Public API failure the UI shows: which call, Segment's words, and the role to add when it is one. */
export interface SegmentProblem {
  status: number | null;
  message: string;
  missingRole: string | null;
}

export interface SegmentSourcesResult {
  ok: boolean;
  sources: SegmentSource[];
  problem: SegmentProblem | null;
}

/** What one Connect did per source: the exact Public API writes it made (none when nothing changed). */
export interface ConnectOutcome {
  sourceId: string;
  ok: boolean;
  changes: string[];
  problem: SegmentProblem | null;
  connection: SegmentSourceConnection | null;
}

export interface ConnectResult {
  outcomes: ConnectOutcome[];
}

export interface DisconnectResult {
  sourceId: string;
  ok: boolean;
  removed: string[];
  problem: SegmentProblem | null;
}

export const SUGGESTION_ORIGINS = ["tracking-plan", "unify"] as const;
export type SuggestionOrigin = (typeof SUGGESTION_ORIGINS)[number];

export interface SegmentSuggestions {
  traits: { path: string; origin: SuggestionOrigin; detail: string }[];
  events: { source: "track" | "page" | "screen"; name: string; origin: SuggestionOrigin; detail: string }[];
  problems: SegmentProblem[];
}

export const SEGMENT_FUNNEL_STAGES = [
  "successfullyReceived",
  "filteredAtSource",
  "failedOnIngest",
  "filteredAtDestination",
  "failedDelivery",
  "successfulDelivery",
] as const;
export type SegmentFunnelStage = (typeof SEGMENT_FUNNEL_STAGES)[number];

export const funnelQuerySchema = z.object({
  from: z.coerce.number().int().min(0),
  to: z.coerce.number().int().min(0),
});

export interface SegmentFunnelDestination {
  sourceId: string;
  sourceName: string;
  destinationId: string;
  stages: Record<SegmentFunnelStage, number>;
}

export interface SegmentFunnel {
  window: { from: number; to: number; granularity: "MINUTE" | "HOUR" | "DAY" };
  /** Empty when no destination is connected (or no token is saved). */
  destinations: SegmentFunnelDestination[];
  /** Our side for the same window: the sync-log summary's funnel (its one definition of each count). */
  ours: {
    received: number;
    rejected: number;
    deduplicated: number;
    filtered: number;
    pending: number;
    delivered: number;
    failed: number;
    deadLettered: number;
  };
  problem: SegmentProblem | null;
  /** When Segment's numbers were fetched (they are cached to respect the Public API's rate limits). */
  fetchedAt: number;
}
