/**
 * The store interface. SQLite (embedded default) and PostgreSQL (scale-out) implement it over the same tables.
 * An inbound sync-log row in status `queued` is an accepted event not yet planned. Outbound requests not yet
 * settled also sit in the `deliveries` queue (lane, due time, attempt, lease); their log row is written when
 * planned, once per failed attempt and once when settled, and shows `in_flight` while a worker holds the lease.
 */
import type { Configuration, ServerConfiguration } from "../../src/shared/installation-config.ts";
import type { AlertStateStore } from "./alert-state-store.ts";
import type { RetryJobStore } from "./retry-job-store.ts";
import type { LifecycleRecord } from "./tenant-statements.ts";

export type { LifecycleRecord };
import type { ForgetUserResult } from "./forget-user.ts";

export interface Installation {
  uid: string;
  stackApiKey: string;
  organizationUid: string;
  appUid: string;
  configuration: Configuration;
  serverConfiguration: ServerConfiguration;
  createdAt: number;
  updatedAt: number;
}

export type Direction = "inbound" | "personalize" | "segment";

export const INBOUND_STATUSES = [
  "queued",
  "processing",
  "pending_retry",
  "delivered",
  "filtered",
  "rejected",
  "deduplicated",
  "failed",
  "dead_lettered",
] as const;
export const OUTBOUND_STATUSES = ["pending", "in_flight", "pending_retry", "delivered", "failed", "dead_lettered"] as const;
export type LogStatus = (typeof INBOUND_STATUSES)[number] | (typeof OUTBOUND_STATUSES)[number];

export interface LogRow {
  id: number;
  installationUid: string;
  createdAt: number;
  updatedAt: number;
  direction: Direction;
  status: LogStatus;
  userId: string | null;
  messageId: string | null;
  eventType: string | null;
  eventName: string | null;
  httpStatus: number | null;
  latencyMs: number | null;
  attempt: number;
  nextAttemptAt: number | null;
  error: string | null;
  payload: unknown;
  detail: Record<string, unknown>;
}

/** An accepted inbound event, already validated and masked. */
export interface InboundEvent {
  messageId: string | null;
  userId: string | null;
  eventType: string;
  eventName: string | null;
  payload: Record<string, unknown>;
  detail: Record<string, unknown>;
}

/** A row written once with a final status: rejected requests, filtered events. */
export interface FinalLogEntry {
  direction: Direction;
  status: LogStatus;
  userId?: string | null;
  messageId?: string | null;
  eventType?: string | null;
  eventName?: string | null;
  httpStatus?: number | null;
  error?: string | null;
  payload?: unknown;
  detail?: Record<string, unknown>;
}

export interface QueuedInbound {
  id: number;
  installationUid: string;
  createdAt: number;
  payload: Record<string, unknown>;
  detail: Record<string, unknown>;
}

/** What the planner decided for one claimed inbound event. */
export interface InboundPlan {
  id: number;
  status: "processing" | "filtered" | "delivered";
  userId: string | null;
  error: string | null;
  detail: Record<string, unknown>;
  openRequests: number;
}

/** An outbound request the planner created; rows of one lane (installation, direction, user) go out in order. */
export interface OutboundPlan {
  installationUid: string;
  direction: Exclude<Direction, "inbound">;
  userId: string;
  eventType: string;
  eventName: string | null;
  messageId: string | null;
  request: OutboundRequest;
  eventIds: number[];
  detail: Record<string, unknown>;
}

export interface OutboundRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface UserStateUpdate {
  installationUid: string;
  userId: string;
  attributeClock: Record<string, string>;
}

/** The synchronous reads the planner needs, answered from what was read for its batch. */
export interface PlanLookups {
  installation(uid: string): Installation | null;
  attributeClock(installationUid: string, userId: string): Record<string, string>;
}

/**
 * Accepted events read for planning (oldest first), what planning them needs, and how to commit their plan. On
 * PostgreSQL the plan is committed in one transaction and the batch holds the planning locks of its users'
 * partitions from the read to the commit; SQLite commits it in parts (each user's events whole, splitPlan), and a
 * part writes nothing if another store planned any of its events first. Either `commit` or `release` ends it.
 */
export interface PlanningBatch {
  events: QueuedInbound[];
  /** The installation of an event; null once it was deleted. */
  installation(uid: string): Installation | null;
  /** Reads the attribute clocks of these users (installation uid, user id) for `attributeClock`. */
  readClocks(users: ReadonlyArray<readonly [installationUid: string, userId: string]>): Promise<void>;
  /** A clock read by `readClocks` ({} for a user without one); undefined for one not read. */
  attributeClock(installationUid: string, userId: string): Record<string, string> | undefined;
  /**
   * Writes the plan atomically: each event's status and detail, its requests (logged and queued in their lanes)
   * and the users' clocks. Returns how many events it planned: all of them, or 0 when another store had.
   */
  commit(plan: PlanResult, now: number): Promise<number>;
  /** Leaves the events unplanned (planning them failed). */
  release(): Promise<void>;
}

export interface PlanResult {
  inbound: InboundPlan[];
  outbound: OutboundPlan[];
  userStates: UserStateUpdate[];
}

export interface ClaimedOutbound {
  id: number;
  installationUid: string;
  direction: Exclude<Direction, "inbound">;
  userId: string;
  createdAt: number;
  attempt: number;
  request: OutboundRequest;
  eventIds: number[];
  /** Claimed again after its lease ran out: the process that held it died, so it may have gone out already. */
  resent: boolean;
}

export type AttemptOutcome =
  | { status: "delivered"; httpStatus: number; latencyMs: number; responseBody: string }
  | {
      status: "pending_retry" | "failed" | "dead_lettered";
      httpStatus: number | null;
      latencyMs: number;
      responseBody: string;
      error: string;
      nextAttemptAt: number | null;
    };

export interface DeliveryAttempt {
  id: number;
  logId: number;
  attempt: number;
  startedAt: number;
  latencyMs: number;
  httpStatus: number | null;
  responseBody: string;
  error: string | null;
  trigger: "scheduled" | "manual";
  /** The request was sent again after the process that held it died (a possible duplicate at Personalize). */
  resent: boolean;
}

export interface LogQuery {
  installationUid: string;
  directions?: Direction[];
  statuses?: LogStatus[];
  eventType?: string;
  eventName?: string;
  userId?: string;
  messageId?: string;
  httpStatus?: number;
  httpStatusClass?: number;
  errorText?: string;
  /** Leave out the two-way sync's manifest checks (outbound rows of event type "manifest"). */
  hideTwoWayChecks?: boolean;
  from?: number;
  to?: number;
  /** Rows with id below this one (newest-first pagination). */
  beforeId?: number;
  /** Only these rows (the live stream asks which changed rows match a filter); an empty list matches nothing. */
  ids?: number[];
  limit: number;
}

/** Rows created in [from, to) of one installation, narrowed by `filter` when given. */
export interface LogWindow {
  installationUid: string;
  from: number;
  to: number;
  filter?: LogRowFilter;
}

/** The row conditions of a LogQuery besides installation, time, cursor and page. */
export type LogRowFilter = Omit<LogQuery, "installationUid" | "from" | "to" | "beforeId" | "ids" | "limit">;

export interface LogAggregates {
  counts: Array<{ direction: Direction; status: LogStatus; count: number }>;
  /** Counts per time bucket; `start` is the bucket's first millisecond. */
  buckets: Array<{ start: number; direction: Direction; status: LogStatus; count: number }>;
  /** p95 of outbound request latency (latency_ms), overall and per bucket. */
  requestLatencyP95: number | null;
  requestLatencyP95ByBucket: Array<{ start: number; p95: number }>;
  /** p95 of received → delivered for inbound events delivered in the window. */
  deliveryP95: number | null;
}

export interface ErrorGroup {
  error: string;
  count: number;
  lastSeenAt: number;
  /** Newest rows first. */
  sampleIds: number[];
}

export interface LogExtent {
  rows: number;
  oldestAt: number | null;
}

export interface ChangeNotice {
  installationUid: string;
  ids: number[];
}

export interface StoreHealth {
  ok: boolean;
  kind: "sqlite" | "postgres";
  detail: string;
}

/** Installations and their sealed configuration (lifecycle webhooks, sessions, ingest authentication). */
export interface InstallationStore {
  getInstallation(uid: string): Promise<Installation | null>;
  findInstallationByWriteKeyHash(hash: string): Promise<Installation | null>;
  saveInstallation(installation: Installation, writeKeyHash: string | null): Promise<void>;
  /** Removes the installation, its secrets and every row that belongs to it. */
  deleteInstallation(uid: string): Promise<void>;
  /**
   * Makes these secret hashes the installation's only claimed secrets, atomically; returns a hash that another
   * installation already claims (and changes nothing), or null. A secret belongs to one installation.
   */
  claimSecrets(installationUid: string, secretHashes: string[]): Promise<string | null>;
  /**
   * Records a lifecycle webhook as applied when its `triggeredAt` is newer than the last one applied for the
   * installation; returns false (and changes nothing) for a replay or an older delivery. Kept after uninstall.
   */
  advanceLifecycle(installationUid: string, entry: LifecycleRecord): Promise<boolean>;
  lifecycleRecord(installationUid: string): Promise<LifecycleRecord | null>;
  /** Undoes `advanceLifecycle(applied)` when applying failed: back to `previous` (null: no record). */
  restoreLifecycle(installationUid: string, applied: LifecycleRecord, previous: LifecycleRecord | null): Promise<void>;
}

/** What ingest writes and the backpressure it reads. */
export interface IngestStore {
  /**
   * Commits one request's accepted events as a single staged row: the cheapest durable write, so that ingest can
   * answer 2xx as soon as it returns. `expandStaged` turns them into sync-log rows later.
   */
  stageInbound(installationUid: string, events: InboundEvent[], now: number): Promise<void>;
  /** Commits accepted events in one transaction; messageIds seen before (per installation) become `deduplicated` rows. */
  acceptInbound(installationUid: string, events: InboundEvent[], now: number): Promise<{ accepted: number; duplicates: number }>;
  /** Events of the installation accepted but not yet expanded into the sync log. */
  stagedEvents(installationUid: string): Promise<number>;
  appendFinal(installationUid: string, entries: FinalLogEntry[], now: number): Promise<number[]>;
  /**
   * Accepted events not yet delivered, filtered or failed (staged, queued, planned, awaiting a retry): what ingest
   * backpressure measures, for one installation or, without a uid, for all.
   */
  unsettledBacklog(installationUid?: string): Promise<number>;
  /** Adds refused unauthenticated ingest requests to each installation's counter. */
  countRefusals(counts: ReadonlyMap<string, number>, now: number): Promise<void>;
  /** Unauthenticated ingest requests refused for the installation (counted, never written as rows). */
  unauthenticatedRefusals(installationUid: string): Promise<number>;
}

/** The delivery worker's side: expanding, planning, claiming and settling. */
export interface DeliveryQueue {
  /**
   * Moves the oldest staged requests (whole ones, at least one, up to about `maxEvents` events) into the sync log
   * as `acceptInbound` does, dated when they were received; returns how many events it moved. With several
   * processes, one expands at a time and the others get 0.
   */
  expandStaged(maxEvents: number): Promise<number>;
  /** When the oldest accepted event not yet planned (staged or queued) was received; null when there is none. */
  oldestUnplanned(): Promise<number | null>;
  /** Whether at least `count` accepted events wait to be planned (staged or queued). */
  unplannedAtLeast(count: number): Promise<boolean>;
  /**
   * Up to `limit` queued inbound events, oldest first, to plan; null when there are none. On PostgreSQL, while
   * other processes plan too, only the events of the users in this one's share of the planning partitions (null
   * when others hold them all).
   */
  nextPlanningBatch(limit: number): Promise<PlanningBatch | null>;
  /** Queues outbound requests that no inbound event produced (the two-way sync's Segment calls); returns their ids. */
  enqueueOutbound(plans: OutboundPlan[], now: number): Promise<number[]>;
  /** Claims due requests (and those whose lease expired, marked `resent`) and leases them. */
  claimOutbound(limit: number, now: number, leaseMs: number, excludeInstallations: string[]): Promise<ClaimedOutbound[]>;
  recordAttempt(row: ClaimedOutbound, outcome: AttemptOutcome, startedAt: number, trigger: "scheduled" | "manual"): Promise<void>;
  /** Returns leased requests to the queue, due now (graceful shutdown). */
  releaseOutbound(ids: number[], now: number): Promise<void>;
  /** Re-queues failed or dead-lettered outbound rows now; returns the ids re-queued. */
  retryOutbound(installationUid: string, ids: number[], now: number): Promise<number[]>;
  /** The earliest time a queued request becomes due or a lease runs out; null when the queue is empty. */
  nextDueAt(): Promise<number | null>;
  /**
   * Calls `listener` when work may have arrived: a request staged or rows changed, by any process sharing the
   * store (PostgreSQL: LISTEN/NOTIFY), or the notices resumed after a loss. Returns the unsubscribe function.
   */
  onWork(listener: () => void): () => void;
  /** Makes outbound rows waiting for a scheduled retry due now; returns their ids. */
  retryNow(installationUid: string, ids: number[], now: number): Promise<number[]>;
}

/** The sync log as the UI reads it. */
export interface LogReader {
  queryLog(query: LogQuery): Promise<LogRow[]>;
  getLogRows(installationUid: string, ids: number[]): Promise<LogRow[]>;
  getAttempts(installationUid: string, logId: number): Promise<DeliveryAttempt[]>;
  /** Counts by direction and status, the same per `bucketMs` bucket, and p95 latencies, for the summary. */
  aggregateLog(window: LogWindow, bucketMs: number): Promise<LogAggregates>;
  /** The most frequent error texts among rows in `statuses`, each with up to `samples` newest row ids. */
  groupErrors(window: LogWindow, statuses: LogStatus[], limit: number, samples: number): Promise<ErrorGroup[]>;
  /** How many rows the installation keeps and since when (what retention left). */
  logExtent(installationUid: string): Promise<LogExtent>;
  onChange(listener: (notice: ChangeNotice) => void): () => void;
}

export interface Store extends InstallationStore, IngestStore, DeliveryQueue, LogReader {
  readonly kind: "sqlite" | "postgres";
  /** Bulk-retry jobs, shared by every process on the store. */
  readonly retryJobs: RetryJobStore;
  /** Active alert conditions and the notice history, shared by every process on the store. */
  readonly alertState: AlertStateStore;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
  /** Deletes rows older than the installation's retention and above its row cap, and expired de-duplication keys. */
  prune(now: number): Promise<number>;
  /** A privacy request: removes the user's settled rows (with their attempts) and attribute clock. */
  forgetUser(installationUid: string, userId: string): Promise<ForgetUserResult>;
}
