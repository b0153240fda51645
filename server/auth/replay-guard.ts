/**
 * Remembers signed deliveries for as long as their timestamp would pass the freshness check, so an exact replay
 * inside that window is refused. In memory, per process: with several API processes a replay can land on one that
 * has not seen the original (a shared store would close that gap).
 */
import { createHash } from "node:crypto";

export interface ReplayGuard {
  /** Whether these exact bytes were applied within the window. */
  seen(body: Buffer, now: number): boolean;
  remember(body: Buffer, now: number): void;
}

export function createReplayGuard(options: { windowMs: number; maxEntries: number }): ReplayGuard {
  const appliedAt = new Map<string, number>();
  const digest = (body: Buffer) => createHash("sha256").update(body).digest("base64");
  const forgetExpired = (now: number) => {
    for (const [key, at] of appliedAt) {
      if (now - at < options.windowMs && appliedAt.size < options.maxEntries) break;
      appliedAt.delete(key);
    }
  };
  return {
    seen(body, now) {
      const at = appliedAt.get(digest(body));
      return at !== undefined && now - at < options.windowMs;
    },
    remember(body, now) {
      forgetExpired(now);
      appliedAt.set(digest(body), now);
    },
  };
}
