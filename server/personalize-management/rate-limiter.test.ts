import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRateLimiter } from "./rate-limiter.ts";

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe("createRateLimiter", () => {
  it("grants at most `limit` per window per key, in arrival order, and keeps keys apart", async () => {
    const limiter = createRateLimiter({ limit: 3, windowMs: 1000 });
    const granted: Array<[string, number]> = [];
    const take = (key: string, label: string) => limiter.acquire(key).then(() => granted.push([label, Date.now()]));
    const all = Promise.all([...["a1", "a2", "a3", "a4", "a5", "a6", "a7"].map((label) => take("org-a", label)), take("org-b", "b1")]);
    await vi.advanceTimersByTimeAsync(2500);
    await all;
    expect(granted.filter(([label]) => label.startsWith("a"))).toEqual([
      ["a1", 0],
      ["a2", 0],
      ["a3", 0],
      ["a4", 1000],
      ["a5", 1000],
      ["a6", 1000],
      ["a7", 2000],
    ]);
    expect(granted.filter(([label]) => label.startsWith("b"))).toEqual([["b1", 0]]);
  });
});
