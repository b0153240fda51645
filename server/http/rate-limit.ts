/**
 * A fixed-window request limiter per key (client IP, installation), in memory per process. Used on the
 * authentication routes, where a flood is either a bug or an attack; answers 429 with Retry-After.
 */
import { HttpError } from "./errors.ts";

export interface RateLimit {
  /** Counts one request for `key`; throws a 429 HttpError naming `what` when the window is full. */
  take(key: string, what: string): void;
}

export function createRateLimit(options: { limit: number; windowMs: number; maxKeys?: number }): RateLimit {
  const windows = new Map<string, { start: number; count: number }>();
  const maxKeys = options.maxKeys ?? 50_000;
  return {
    take(key, what) {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || now - window.start >= options.windowMs) {
        if (!window && windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
        window = { start: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count > options.limit) {
        const retryAfter = Math.max(1, Math.ceil((window.start + options.windowMs - now) / 1000));
        throw new HttpError(
          429,
          "rate_limited",
          `too many ${what}: at most ${options.limit} per ${options.windowMs / 1000} s; retry after ${retryAfter} s`,
          { "retry-after": String(retryAfter) },
        );
      }
    },
  };
}
