import { describe, expect, it } from "vitest";
import { bucketSizeFor } from "./log-summary.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("summary buckets", () => {
  it.each([
    [3 * 60_000, 5_000],
    [HOUR, 60_000],
    [DAY, HOUR],
    [7 * DAY, 3 * HOUR],
    [30 * DAY, 12 * HOUR],
    [90 * DAY, 2 * DAY],
    [3650 * DAY, 61 * DAY],
  ])("splits %d ms into buckets of %d ms, at most 60 of them", (span, size) => {
    expect(bucketSizeFor(span)).toBe(size);
    expect(span / bucketSizeFor(span)).toBeLessThanOrEqual(60);
  });
});
