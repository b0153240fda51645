/**
 * Keeps rejected events from filling the log: within one window, the first event rejected for a given reason is
 * logged as a row of its own (so a mistake shows at once, with its message id), and the identical rejections after
 * it are counted and written as one summary row (`detail.count`) when the window closes. Reasons are compared with
 * quoted values and numbers blanked, and an installation gets at most MAX_REASONS_PER_WINDOW distinct reasons per
 * window before the rest are pooled, so 10,000 invalid events write tens of rows, not 10,000.
 */
import type { FastifyBaseLogger } from "fastify";
import type { FinalLogEntry, Store } from "../store/types.ts";
import type { IngestSource } from "./segment-event.ts";

export const REJECTION_WINDOW_MS = 60_000;
export const MAX_REASONS_PER_WINDOW = 20;

export interface Rejection {
  index: number;
  messageId: string | null;
  userId: string | null;
  eventType: string | null;
  reason: string;
}

interface Pooled {
  installationUid: string;
  source: IngestSource;
  reason: string;
  count: number;
  firstAt: number;
  lastAt: number;
}

/** The reason's shape: `type "foo" is not…` and `type "bar" is not…` are the same rejection. */
export function reasonShape(reason: string): string {
  return reason.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, "N");
}

export function createRejectionLog(store: Store, log: FastifyBaseLogger, windowMs = REJECTION_WINDOW_MS) {
  /** Per installation: reason shapes seen in this window, each with the identical rejections counted since. */
  let windows = new Map<string, Map<string, Pooled>>();
  let timer: NodeJS.Timeout | null = null;

  const closeWindow = async () => {
    timer = null;
    const closing = windows;
    windows = new Map();
    for (const [installationUid, shapes] of closing) {
      const entries: FinalLogEntry[] = [...shapes.values()]
        .filter((pooled) => pooled.count > 0)
        .map((pooled) => ({
          direction: "inbound",
          status: "rejected",
          httpStatus: 400,
          error: pooled.count > 1 ? `${pooled.reason} (and ${pooled.count - 1} more like it)` : pooled.reason,
          detail: { source: pooled.source, count: pooled.count, firstAt: pooled.firstAt, lastAt: pooled.lastAt, aggregated: true },
        }));
      if (!entries.length) continue;
      await store.appendFinal(installationUid, entries, Date.now()).catch((error: unknown) => {
        log.warn({ err: error }, "could not log pooled rejections");
      });
    }
  };

  return {
    /** Logs these rejections of one request; returns once the rows that must be written now are committed. */
    async record(installationUid: string, source: IngestSource, rejected: Rejection[], now: number): Promise<void> {
      if (!rejected.length) return;
      let shapes = windows.get(installationUid);
      if (!shapes) windows.set(installationUid, (shapes = new Map()));
      const immediate: FinalLogEntry[] = [];
      for (const rejection of rejected) {
        let key = `${source}\u0000${reasonShape(rejection.reason)}`;
        if (!shapes.has(key) && shapes.size >= MAX_REASONS_PER_WINDOW) key = `${source}\u0000other`;
        const pooled = shapes.get(key);
        if (pooled) {
          pooled.count += 1;
          pooled.lastAt = now;
          continue;
        }
        const reason = key.endsWith("\u0000other") ? "other rejected events (too many different reasons in one minute)" : rejection.reason;
        shapes.set(key, { installationUid, source, reason, count: 0, firstAt: now, lastAt: now });
        immediate.push({
          direction: "inbound",
          status: "rejected",
          userId: rejection.userId,
          messageId: rejection.messageId,
          eventType: rejection.eventType,
          httpStatus: 400,
          error: rejection.reason,
          detail: { source, index: rejection.index },
        });
      }
      timer ??= setTimeout(() => void closeWindow(), windowMs).unref();
      if (immediate.length) await store.appendFinal(installationUid, immediate, now);
    },
    /** Writes the pooled counts now (shutdown, tests). */
    async flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      await closeWindow();
    },
  };
}
export type RejectionLog = ReturnType<typeof createRejectionLog>;
