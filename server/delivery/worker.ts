/**
 * The delivery worker. It expands staged ingest requests into sync-log rows as soon as ingest pauses (so that
 * acknowledgements go first, yet the live log stays current), plans accepted events into outbound requests once
 * the oldest of them has waited the batch window (the window in which a user's updates coalesce) or a full batch
 * waits, and keeps up to `concurrency` requests in flight. Rows of one lane (installation, direction, user) go out
 * one at a time in order; one installation may use at most half the slots, so a slow or failing one cannot starve
 * the others.
 */
import type { FastifyBaseLogger } from "fastify";
import type { RequiredTypes } from "../mapping/types.ts";
import type { ClaimedOutbound, DeliveryQueue, Installation } from "../store/types.ts";
import type { SendReport } from "./http-sender.ts";
import { nextTurn } from "../event-loop.ts";
import { createPlanner } from "./planner.ts";
import { planNextBatch } from "./plan-step.ts";
import { decide, describeFailure, type RetryPolicy } from "./retry-policy.ts";

export interface WorkerOptions {
  concurrency: number;
  batchWindowMs: number;
  planBatchSize: number;
  /** How long a request may take (DELIVERY_TIMEOUT_MS); a claim is leased for that plus LEASE_MARGIN_MS. */
  requestTimeoutMs: number;
  retryPolicy: RetryPolicy;
  hostAllowlist: readonly string[];
  /** The attribute types each installation's audience rules need (server/audiences), for the mapping. */
  requiredTypes?: (installation: Installation) => RequiredTypes;
}

/** How a claimed row goes out (by direction), and who hears about a delivery. */
export interface Dispatch {
  send(row: ClaimedOutbound): Promise<SendReport>;
  onDelivered?(row: ClaimedOutbound): void;
}

/** Staged events expanded into the log per step; the event loop turns between steps. */
const EXPAND_STEP_EVENTS = 500;
/** Expansion waits while ingest requests keep arriving less than this apart… */
const INGEST_QUIET_MS = 20;
/** …but never longer than this, so that under sustained load the live log stays at most this far behind. */
const MAX_EXPAND_DELAY_MS = 1000;
/**
 * What a lease allows beyond the request timeout: recording the attempt after the response. A process that dies
 * holding a request gets it resent by another worker once its lease ends, so the lease is kept this short.
 */
export const LEASE_MARGIN_MS = 5000;
/**
 * The worker wakes on the store's work notices (PostgreSQL: LISTEN/NOTIFY from any process) and at the next due
 * time it knows of; with nothing due it still looks this often, in case a notice was lost.
 */
const IDLE_LOOK_MS = 1000;
/** While the oldest unplanned event waits out the batch window, the planner looks this often for a full batch. */
const FULL_BATCH_LOOK_MS = 100;
/** Notices arriving closer together than this are handled in one look (a burst of ingest requests, say). */
const WAKE_COALESCE_MS = 10;
/**
 * Requests due that the last look did not claim (their installation had its share of slots) are looked for again
 * this soon; with every slot busy, completions claim the next ones and the look waits IDLE_LOOK_MS.
 */
const RELOOK_MS = 50;

export function startDeliveryWorker(store: DeliveryQueue, dispatch: Dispatch, options: WorkerOptions, log: FastifyBaseLogger) {
  const inFlight = new Map<number, ClaimedOutbound>();
  const perInstallation = new Map<string, number>();
  const installationCap = Math.max(1, Math.ceil(options.concurrency / 2));
  const leaseMs = options.requestTimeoutMs + LEASE_MARGIN_MS;
  let stopping = false;
  let planTimer: NodeJS.Timeout | null = null;
  let planIdle = false;
  let lookTimer: NodeJS.Timeout | null = null;
  let lookAt = Infinity;
  let planning: Promise<void> = Promise.resolve();
  let claiming = false;
  let claimAgain = false;
  const settled = new Set<() => void>();

  const planner = createPlanner(options.hostAllowlist, options.requiredTypes);
  const plan = async () => {
    let planned: number;
    do {
      planned = await planNextBatch(store, options.planBatchSize, Date.now(), planner);
      if (planned > 0) void fill();
      // Planning is synchronous; without a turn of the event loop between batches, a deep queue would hold back
      // ingest acknowledgements and delivery completions until all of it is planned.
      if (planned === options.planBatchSize) await nextTurn();
    } while (planned === options.planBatchSize && !stopping);
  };

  /** Plans once the oldest accepted event has waited the window; staged events are expanded first. */
  const planWhenDue = async (): Promise<number> => {
    try {
      const oldest = await store.oldestUnplanned();
      planIdle = oldest === null;
      if (oldest === null) return IDLE_LOOK_MS;
      // A full batch does not wait out the window: however long it waited, the planner would take no more of it.
      const wait = oldest + options.batchWindowMs - Date.now();
      if (wait > 0 && !(await store.unplannedAtLeast(options.planBatchSize))) return Math.min(wait, FULL_BATCH_LOOK_MS);
      while (!stopping && (await store.expandStaged(EXPAND_STEP_EVENTS)) > 0) await nextTurn();
      await plan();
    } catch (error) {
      log.error({ err: error }, "planning deliveries failed; will retry");
    }
    return WAKE_COALESCE_MS;
  };

  const schedulePlan = (delayMs: number) => {
    if (stopping) return;
    planTimer = setTimeout(() => {
      planning = planWhenDue().then(schedulePlan);
    }, delayMs);
  };

  let lastStagedAt = 0;
  let deferredSince: number | null = null;
  let expanding = false;
  let expandTimer: NodeJS.Timeout | null = null;

  const expandLater = () => {
    if (expandTimer || stopping) return;
    expandTimer = setTimeout(() => {
      expandTimer = null;
      void expand();
    }, INGEST_QUIET_MS);
  };

  const expand = async () => {
    if (expanding) return;
    expanding = true;
    try {
      while (!stopping) {
        const now = Date.now();
        deferredSince ??= now;
        if (now - lastStagedAt < INGEST_QUIET_MS && now - deferredSince < MAX_EXPAND_DELAY_MS) {
          expandLater();
          return;
        }
        if ((await store.expandStaged(EXPAND_STEP_EVENTS)) === 0) {
          deferredSince = null;
          return;
        }
        await nextTurn();
      }
    } catch (error) {
      log.error({ err: error }, "expanding staged events failed; will retry");
    } finally {
      expanding = false;
    }
  };

  const fill = async () => {
    if (stopping) return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    claimAgain = false;
    try {
      while (!stopping && inFlight.size < options.concurrency) {
        const full = [...perInstallation].filter(([, n]) => n >= installationCap).map(([uid]) => uid);
        const rows = await store.claimOutbound(options.concurrency - inFlight.size, Date.now(), leaseMs, full);
        if (rows.length === 0) break;
        for (const row of rows) {
          // Its lease ran out while this worker still waits on it (a stalled event loop): the claim only renewed
          // the lease. Sending it again would race the attempt under way, and could land after later requests.
          if (inFlight.has(row.id)) continue;
          inFlight.set(row.id, row);
          perInstallation.set(row.installationUid, (perInstallation.get(row.installationUid) ?? 0) + 1);
          void deliver(row);
        }
      }
    } catch (error) {
      log.error({ err: error }, "claiming deliveries failed; will retry");
    } finally {
      claiming = false;
    }
    // Woken while claiming: what woke it may have become due after the claim looked.
    if (claimAgain) void fill();
  };

  const deliver = async (row: ClaimedOutbound) => {
    const startedAt = Date.now();
    const report = await dispatch.send(row);
    const decision = decide(report.result, row.attempt + 1, row.createdAt, Date.now(), options.retryPolicy);
    const outcome =
      decision.status === "delivered"
        ? {
            status: "delivered" as const,
            httpStatus: (report.result as { status: number }).status,
            latencyMs: report.latencyMs,
            responseBody: report.responseBody,
          }
        : {
            status: decision.status,
            httpStatus: report.result.kind === "response" ? report.result.status : null,
            latencyMs: report.latencyMs,
            responseBody: report.responseBody,
            error: describeFailure(report.result, report.responseBody) + (decision.status === "dead_lettered" ? " (gave up: maximum age reached)" : ""),
            nextAttemptAt: decision.status === "pending_retry" ? decision.nextAttemptAt : null,
          };
    try {
      await store.recordAttempt(row, outcome, startedAt, "scheduled");
      if (outcome.status === "delivered") dispatch.onDelivered?.(row);
    } catch (error) {
      // The lease expires and another claim retries the request: a duplicate, never a loss.
      log.error({ err: error, id: row.id }, "recording a delivery attempt failed");
    } finally {
      inFlight.delete(row.id);
      const left = (perInstallation.get(row.installationUid) ?? 1) - 1;
      if (left > 0) perInstallation.set(row.installationUid, left);
      else perInstallation.delete(row.installationUid);
      for (const resolve of settled) resolve();
      void fill();
    }
  };

  /** Looks for work at `at` (or sooner, if already asked): expands staged requests, claims, and sets the next look. */
  const lookAtTime = (at: number) => {
    if (stopping || (lookTimer && lookAt <= at)) return;
    if (lookTimer) clearTimeout(lookTimer);
    lookAt = at;
    lookTimer = setTimeout(look, Math.max(0, at - Date.now()));
  };

  const look = async () => {
    lookTimer = null;
    lookAt = Infinity;
    void expand();
    await fill();
    let next: number | null = null;
    try {
      next = await store.nextDueAt();
    } catch (error) {
      log.error({ err: error }, "reading the next due delivery failed; will retry");
    }
    const now = Date.now();
    const busy = inFlight.size >= options.concurrency;
    lookAtTime(busy ? now + IDLE_LOOK_MS : Math.min(now + IDLE_LOOK_MS, Math.max(now + RELOOK_MS, next ?? Infinity)));
  };

  /** New work may be there: look soon, and have an idle planner look too. */
  const wake = () => {
    lookAtTime(Date.now() + WAKE_COALESCE_MS);
    if (planIdle && planTimer) {
      planIdle = false;
      clearTimeout(planTimer);
      schedulePlan(WAKE_COALESCE_MS);
    }
  };
  const stopWaking = store.onWork(wake);

  schedulePlan(0);
  lookAtTime(Date.now());

  return {
    /** Ingest in this process committed a request: expand it once ingest pauses. */
    noteStaged() {
      lastStagedAt = Date.now();
      if (!expanding) expandLater();
    },
    /** Wakes the planner now (tests, manual retries). */
    nudge: () => void fill(),
    inFlightCount: () => inFlight.size,
    /** Stops claiming, waits up to `graceMs` for in-flight requests, and hands the rest back to the queue. */
    async stop(graceMs: number): Promise<void> {
      stopping = true;
      stopWaking();
      if (planTimer) clearTimeout(planTimer);
      if (lookTimer) clearTimeout(lookTimer);
      if (expandTimer) clearTimeout(expandTimer);
      await planning;
      while (expanding) await new Promise((resolve) => setTimeout(resolve, 10));
      const deadline = Date.now() + graceMs;
      while (inFlight.size > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          settled.add(resolve);
          setTimeout(resolve, 100);
        });
        settled.clear();
      }
      if (inFlight.size > 0) await store.releaseOutbound([...inFlight.keys()], Date.now());
    },
  };
}
export type DeliveryWorker = ReturnType<typeof startDeliveryWorker>;
