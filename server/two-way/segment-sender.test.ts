import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSegmentEmulator, type SegmentEmulator } from "../emulators/segment/index.ts";
import { sendToSegment } from "./segment-sender.ts";
import type { SegmentCall } from "./assignments.ts";

let segment: SegmentEmulator;
beforeAll(async () => {
  segment = await startSegmentEmulator({ writeKeys: ["wk_customer"] });
});
afterAll(() => segment.close());

const call: SegmentCall = {
  type: "track",
  userId: "u1",
  messageId: "personalize-abc",
  event: "Experiment Viewed",
  properties: { experiment_id: "0", variation_id: "1" },
  context: {},
  timestamp: "2026-11-22T00:00:00.000Z",
};

describe("sendToSegment", () => {
  it("delivers through analytics-node with the given messageId and reports the response", async () => {
    const report = await sendToSegment({ host: segment.url, writeKey: "wk_customer", calls: [call], timeoutMs: 2000 });
    expect(report.result).toEqual({ kind: "response", status: 200, retryAfter: null });
    expect(segment.events()).toEqual([
      expect.objectContaining({ type: "track", event: "Experiment Viewed", messageId: "personalize-abc", userId: "u1", properties: call.properties }),
    ]);
  });

  it("reports a wrong write key and a rate limit without retrying by itself", async () => {
    segment.reset();
    const wrong = await sendToSegment({ host: segment.url, writeKey: "wk_wrong", calls: [call], timeoutMs: 2000 });
    expect(wrong.result).toMatchObject({ kind: "response", status: 401 });
    segment.addFault({ kind: "rate-limit", retryAfterSeconds: 7, times: 1 });
    const limited = await sendToSegment({ host: segment.url, writeKey: "wk_customer", calls: [call], timeoutMs: 2000 });
    expect(limited.result).toEqual({ kind: "response", status: 429, retryAfter: "7" });
    expect(segment.batches()).toHaveLength(0);
  });
});
