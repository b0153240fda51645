/**
 * Accepting events: capacity check first (429/503 with Retry-After before anything is read into the store), then
 * one staged row for the request's valid events and a log row for each rejected one. Nothing is answered 2xx
 * unless committed; a store failure becomes 503 so that Segment and analytics-node resend. De-duplication by
 * messageId happens when the staged row is expanded into the sync log, as Segment's own does after its 200.
 */
import type { FastifyBaseLogger } from "fastify";
import { HttpError } from "../http/errors.ts";
import type { Installation, Store } from "../store/types.ts";
import type { IngestSource, NormalizeResult } from "./segment-event.ts";

const BACKLOG_REFRESH_MS = 250;
export const OVERLOAD_RETRY_AFTER_SECONDS = 5;

export interface AcceptOutcome {
  accepted: number;
  rejected: Array<{ index: number; messageId: string | null; reason: string }>;
}

/** `onStaged` hears of every committed request (the delivery worker expands staged rows once ingest is quiet). */
export function createIngestor(store: Store, maxBacklog: number, log: FastifyBaseLogger, onStaged: () => void = () => {}) {
  let backlog = { value: 0, at: 0 };

  const unavailable = (error: unknown) => {
    log.error({ err: error }, "store unavailable during ingest");
    return new HttpError(503, "store_unavailable", "the event store is unavailable; retry later", {
      "retry-after": String(OVERLOAD_RETRY_AFTER_SECONDS),
    });
  };

  return {
    /** Finds the installation a request is for; a store failure is a 503 here too, not a 500 Segment would drop. */
    async findInstallation(load: () => Promise<Installation | null>): Promise<Installation | null> {
      try {
        return await load();
      } catch (error) {
        throw unavailable(error);
      }
    },

    async ensureCapacity(): Promise<void> {
      const now = Date.now();
      if (now - backlog.at > BACKLOG_REFRESH_MS) {
        try {
          backlog = { value: await store.unsettledBacklog(), at: now };
        } catch (error) {
          throw unavailable(error);
        }
      }
      if (backlog.value >= maxBacklog) {
        throw new HttpError(
          503,
          "overloaded",
          `delivery backlog is ${backlog.value} events (limit ${maxBacklog}); retry after ${OVERLOAD_RETRY_AFTER_SECONDS} s`,
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
        if (rejected.length) {
          await store.appendFinal(
            installationUid,
            rejected.map((r) => ({
              direction: "inbound" as const,
              status: "rejected" as const,
              userId: r.userId,
              messageId: r.messageId,
              eventType: r.eventType,
              httpStatus: 400,
              error: r.reason,
              detail: { source, index: r.index },
            })),
            now,
          );
        }
        backlog.value += valid.length;
        return { accepted: valid.length, rejected: rejected.map(({ index, messageId, reason }) => ({ index, messageId, reason })) };
      } catch (error) {
        throw unavailable(error);
      }
    },

    /** Logs a refused request (bad auth) without its body: the body may carry secrets. */
    async logRefusal(installationUid: string, source: IngestSource, httpStatus: number, reason: string, bytes: number) {
      try {
        await store.appendFinal(
          installationUid,
          [{ direction: "inbound", status: "rejected", httpStatus, error: reason, detail: { source, bytes } }],
          Date.now(),
        );
      } catch (error) {
        log.warn({ err: error }, "could not log a refused ingest request");
      }
    },
  };
}
export type Ingestor = ReturnType<typeof createIngestor>;
