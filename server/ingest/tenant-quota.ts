/**
 * Each installation's fair share of ingest, so that one tenant's burst degrades only that tenant: a token bucket of
 * events per second (every event counts, valid or not), a cap on its requests in flight, and a cap on its accepted
 * but undelivered events (its backlog). Past any of them the installation gets 429 with Retry-After (Segment and
 * analytics-node resend later); other installations are unaffected. In memory, per API process.
 */
import { HttpError } from "../http/errors.ts";

export interface TenantQuotaLimits {
  /** Sustained events per second per installation. */
  eventsPerSecond: number;
  /** Events an installation may send at once above the sustained rate. */
  burstEvents: number;
  /** Requests of one installation being read, checked and committed at the same time. */
  requestsInFlight: number;
  /** Accepted events not yet delivered, per installation. */
  maxBacklog: number;
}

const MAX_TRACKED = 50_000;

export function createTenantQuota(limits: TenantQuotaLimits, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const inFlight = new Map<string, number>();

  const bucketOf = (uid: string) => {
    const time = now();
    let bucket = buckets.get(uid);
    if (!bucket) {
      if (buckets.size >= MAX_TRACKED) buckets.delete(buckets.keys().next().value!);
      bucket = { tokens: limits.burstEvents, at: time };
      buckets.set(uid, bucket);
    }
    bucket.tokens = Math.min(limits.burstEvents, bucket.tokens + ((time - bucket.at) / 1000) * limits.eventsPerSecond);
    bucket.at = time;
    return bucket;
  };

  const rateLimited = (needed: number) => {
    const retryAfter = Math.max(1, Math.ceil(needed / limits.eventsPerSecond));
    return new HttpError(
      429,
      "installation_rate_limited",
      `this installation sent more than its ${limits.eventsPerSecond} events/s (burst ${limits.burstEvents}); retry after ${retryAfter} s`,
      { "retry-after": String(retryAfter) },
    );
  };

  return {
    limits,
    /** Before reading a body: refuses when the bucket is empty or too many of the installation's requests are open. */
    begin(uid: string): () => void {
      const bucket = bucketOf(uid);
      if (bucket.tokens < 1) throw rateLimited(1 - bucket.tokens);
      const open = inFlight.get(uid) ?? 0;
      if (open >= limits.requestsInFlight) {
        throw new HttpError(
          429,
          "installation_busy",
          `this installation already has ${open} ingest requests in progress (limit ${limits.requestsInFlight}); retry after 1 s`,
          { "retry-after": "1" },
        );
      }
      inFlight.set(uid, open + 1);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        const left = (inFlight.get(uid) ?? 1) - 1;
        if (left > 0) inFlight.set(uid, left);
        else inFlight.delete(uid);
      };
    },
    /** Counts a parsed request's events (valid or not) against the installation's rate. */
    take(uid: string, events: number): void {
      const bucket = bucketOf(uid);
      if (bucket.tokens < events && bucket.tokens < limits.burstEvents) throw rateLimited(events - bucket.tokens);
      bucket.tokens -= events;
    },
    backlogExceeded(backlog: number): HttpError | null {
      if (backlog < limits.maxBacklog) return null;
      return new HttpError(
        429,
        "installation_backlog_full",
        `this installation has ${backlog} accepted events not yet delivered (limit ${limits.maxBacklog}); retry after 5 s`,
        { "retry-after": "5" },
      );
    },
  };
}
export type TenantQuota = ReturnType<typeof createTenantQuota>;
