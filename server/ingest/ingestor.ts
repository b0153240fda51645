/**
 * Accepting events: the installation's own quota and the server's capacity are checked first (429/503 with
 * Retry-After before anything is written), then one staged row for the request's valid events; rejected events
 * go to the rejection log, which pools identical ones. Nothing is answered 2xx unless committed; a store failure
 * becomes 503 so that Segment and analytics-node resend. De-duplication by messageId happens when the staged row is
 * expanded into the sync log, as Segment's own does after its 200.
 */
import type { FastifyBaseLogger } from "fastify";
import { HttpError } from "../http/errors.ts";
import type { Installation, Store } from "../store/types.ts";
import { createRefusalCounter } from "./refusal-counter.ts";
import { createRejectionLog } from "./rejection-log.ts";
import type { IngestSource, NormalizeResult } from "./segment-event.ts";
import { createTenantQuota, type TenantQuotaLimits } from "./tenant-quota.ts";

const BACKLOG_REFRESH_MS = 250;
export const OVERLOAD_RETRY_AFTER_SECONDS = 5;

export interface AcceptOutcome {
  accepted: number;
  rejected: Array<{ index: number; messageId: string | null; reason: string }>;
}

export interface IngestLimits {
  /** Accepted, undelivered events across every installation above which ingest answers 503. */
  maxBacklog: number;
  perInstallation: TenantQuotaLimits;
}

/** `onStaged` hears of every committed request (the delivery worker expands staged rows once ingest is quiet). */
export function createIngestor(store: Store, limits: IngestLimits, log: FastifyBaseLogger, onStaged: () => void = () => {}) {
  let backlog = { value: 0, at: 0 };
  const installationBacklogs = new Map<string, { value: number; at: number }>();
  const quota = createTenantQuota(limits.perInstallation);
  const refusals = createRefusalCounter(store, log);
  const rejections = createRejectionLog(store, log);

  const unavailable = (error: unknown) => {
    log.error({ err: error }, "store unavailable during ingest");
    return new HttpError(503, "store_unavailable", "the event store is unavailable; retry later", {
      "retry-after": String(OVERLOAD_RETRY_AFTER_SECONDS),
    });
  };

  const refreshed = async (cached: { value: number; at: number }, load: () => Promise<number>) => {
    const now = Date.now();
    if (now - cached.at > BACKLOG_REFRESH_MS) {
      try {
        return { value: await load(), at: now };
      } catch (error) {
        throw unavailable(error);
      }
    }
    return cached;
  };

  return {
    quota,
    refusals,

    /** Finds the installation a request is for; a store failure is a 503 here too, not a 500 Segment would drop. */
    async findInstallation(load: () => Promise<Installation | null>): Promise<Installation | null> {
      try {
        return await load();
      } catch (error) {
        throw unavailable(error);
      }
    },

    /** The installation's backlog quota (429, its own), then the server's (503, everyone's). */
    async ensureCapacity(installationUid: string): Promise<void> {
      const mine = await refreshed(installationBacklogs.get(installationUid) ?? { value: 0, at: 0 }, () =>
        store.unsettledBacklog(installationUid),
      );
      installationBacklogs.set(installationUid, mine);
      if (installationBacklogs.size > 50_000) installationBacklogs.delete(installationBacklogs.keys().next().value!);
      const full = quota.backlogExceeded(mine.value);
      if (full) throw full;
      backlog = await refreshed(backlog, () => store.unsettledBacklog());
      if (backlog.value >= limits.maxBacklog) {
        throw new HttpError(
          503,
          "overloaded",
          `delivery backlog is ${backlog.value} events (limit ${limits.maxBacklog}); retry after ${OVERLOAD_RETRY_AFTER_SECONDS} s`,
          { "retry-after": String(OVERLOAD_RETRY_AFTER_SECONDS) },
        );
      }
    },

    async accept(installationUid: string, results: NormalizeResult[], source: IngestSource): Promise<AcceptOutcome> {
      const now = Date.now();
      const valid = results.flatMap((r) => (r.ok ? [r.event] : []));
      const rejected = results.flatMap((r, index) =>
        r.ok ? [] : [{ index, messageId: r.messageId, reason: r.reason, userId: r.userId, eventType: r.eventType }],
      );
      try {
        if (valid.length) {
          await store.stageInbound(installationUid, valid, now);
          onStaged();
        }
        await rejections.record(installationUid, source, rejected, now);
        backlog.value += valid.length;
        const mine = installationBacklogs.get(installationUid);
        if (mine) mine.value += valid.length;
        return { accepted: valid.length, rejected: rejected.map(({ index, messageId, reason }) => ({ index, messageId, reason })) };
      } catch (error) {
        throw unavailable(error);
      }
    },

    /** Writes pooled rejections and refusal counts now (shutdown, tests). */
    async flush(): Promise<void> {
      await Promise.all([refusals.flush(), rejections.flush()]);
    },
  };
}
export type Ingestor = ReturnType<typeof createIngestor>;
