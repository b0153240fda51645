/**
 * Client-side request budget per key (the customer's organization): at most `limit` grants in any `windowMs`,
 * first come first served. The Management API allows 10 requests/s per organization, shared with everything else
 * the customer runs (personalize-api.md §7.1), so we never spend more than that ourselves.
 */
export interface RateLimiter {
  /** Resolves when the request may go out. */
  acquire(key: string): Promise<void>;
}

const SWEEP_ABOVE_KEYS = 10_000;

export function createRateLimiter(options: { limit: number; windowMs: number }): RateLimiter {
  const { limit, windowMs } = options;
  const grants = new Map<string, number[]>();
  const queues = new Map<string, Promise<void>>();

  const recentGrants = (key: string, now: number) => (grants.get(key) ?? []).filter((at) => now - at < windowMs);

  const sweep = (now: number) => {
    for (const [key, times] of grants) if (times.every((at) => now - at >= windowMs)) grants.delete(key);
  };

  const waitForSlot = async (key: string) => {
    for (;;) {
      const now = Date.now();
      const recent = recentGrants(key, now);
      if (recent.length < limit) {
        if (grants.size > SWEEP_ABOVE_KEYS) sweep(now);
        grants.set(key, [...recent, now]);
        return;
      }
      grants.set(key, recent);
      await new Promise((resolve) => setTimeout(resolve, recent[0] + windowMs - now));
    }
  };

  return {
    acquire(key) {
      // Chained per key so that waiting callers are served in arrival order.
      const turn = (queues.get(key) ?? Promise.resolve()).then(() => waitForSlot(key));
      queues.set(key, turn);
      void turn.finally(() => {
        if (queues.get(key) === turn) queues.delete(key);
      });
      return turn;
    },
  };
}
