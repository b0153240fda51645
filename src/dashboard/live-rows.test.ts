import { describe, expect, it } from "vitest";
import type { LogItem } from "../../server/sync-log/log-view";
import { applyStreamRows, mergeLiveRows, NO_LIVE_ROWS, rowsInsertedAbove } from "./live-rows";

const row = (id: number, fields: Partial<LogItem> = {}): LogItem => ({
  id,
  createdAt: id,
  updatedAt: id,
  direction: "inbound",
  status: "queued",
  userId: "u",
  messageId: null,
  eventType: "track",
  eventName: null,
  httpStatus: null,
  latencyMs: null,
  attempt: 0,
  nextAttemptAt: null,
  error: null,
  ...fields,
});

const ids = (rows: LogItem[]) => rows.map((r) => r.id);

describe("merging the live stream into loaded pages", () => {
  const loaded = [row(30), row(20), row(10)];

  it("adds new matching rows on top and ignores new rows that do not match", () => {
    const live = applyStreamRows(NO_LIVE_ROWS, [{ items: [row(31), row(32)], matching: [32] }]);
    expect(ids(mergeLiveRows(loaded, live, true))).toEqual([32, 30, 20, 10]);
  });

  it("updates a shown row in place even when it no longer matches, and never with an older version", () => {
    const live = applyStreamRows(NO_LIVE_ROWS, [
      { items: [row(20, { status: "delivered", updatedAt: 50 })], matching: [] },
      { items: [row(20, { status: "processing", updatedAt: 40 })], matching: [] },
    ]);
    const merged = mergeLiveRows(loaded, live, true);
    expect(merged.find((r) => r.id === 20)?.status).toBe("delivered");
    expect(ids(merged)).toEqual([30, 20, 10]);
  });

  it("adds a matching row inside the loaded range but leaves older ones to pagination", () => {
    const live = applyStreamRows(NO_LIVE_ROWS, [{ items: [row(15), row(5)], matching: [15, 5] }]);
    expect(ids(mergeLiveRows(loaded, live, true))).toEqual([30, 20, 15, 10]);
    expect(ids(mergeLiveRows(loaded, live, false))).toEqual([30, 20, 15, 10, 5]);
  });

  it("counts the rows inserted above the first row on screen", () => {
    const before = [row(30), row(20), row(10)];
    const after = [row(32), row(31), row(30), row(20), row(10)];
    expect(rowsInsertedAbove(before, after, 1)).toBe(2);
    expect(rowsInsertedAbove(before, before, 1)).toBe(0);
  });
});
