/**
 * Counts ingest requests refused for bad or missing credentials, per installation, without writing a log row per
 * request: counts gather in memory and are added to the store's counter at most every FLUSH_MS. An anonymous flood
 * therefore costs one small upsert per installation per interval, and cannot push real history out of the log.
 * Requests for installations that do not exist are not counted anywhere (nothing to attribute them to).
 */
import type { FastifyBaseLogger } from "fastify";
import type { Store } from "../store/types.ts";

const FLUSH_MS = 2000;

export function createRefusalCounter(store: Store, log: FastifyBaseLogger) {
  let pending = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const flush = () => {
    timer = null;
    if (pending.size === 0) return flushing;
    const counts = pending;
    pending = new Map();
    flushing = flushing
      .then(() => store.countRefusals(counts, Date.now()))
      .catch((error: unknown) => log.warn({ err: error }, "could not record refused ingest requests"));
    return flushing;
  };

  return {
    count(installationUid: string): void {
      pending.set(installationUid, (pending.get(installationUid) ?? 0) + 1);
      if (!timer) {
        timer = setTimeout(flush, FLUSH_MS);
        timer.unref();
      }
    },
    /** Writes what is pending now (shutdown, tests). */
    async flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}
export type RefusalCounter = ReturnType<typeof createRefusalCounter>;
