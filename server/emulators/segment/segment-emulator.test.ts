import { Analytics } from "@segment/analytics-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSegmentEmulator, type SegmentEmulator } from "./index.ts";

let segment: SegmentEmulator;
beforeAll(async () => {
  segment = await startSegmentEmulator({ writeKeys: ["wk_good"] });
});
beforeEach(() => segment.reset());
afterAll(() => segment.close());

async function sendOne(writeKey: string, maxRetries = 0) {
  const analytics = new Analytics({ writeKey, host: segment.url, flushAt: 1, maxRetries });
  const statuses: number[] = [];
  analytics.on("http_response", (r) => statuses.push(r.status));
  const outcome = new Promise<Error | undefined>((resolve) =>
    analytics.track({ userId: "u1", event: "Experiment Viewed", messageId: "m-1" }, (error) => resolve(error as Error | undefined)),
  );
  const error = await outcome;
  await analytics.closeAndFlush();
  return { statuses, error };
}

describe("Segment Tracking API emulator", () => {
  it("records a batch sent with a valid write key, as analytics-node sends it", async () => {
    const { statuses, error } = await sendOne("wk_good");
    expect(error).toBeUndefined();
    expect(statuses).toEqual([200]);
    expect(segment.batches()).toHaveLength(1);
    expect(segment.batches()[0]).toMatchObject({ path: "/v1/batch", writeKey: "wk_good" });
    expect(segment.events()[0]).toMatchObject({ type: "track", event: "Experiment Viewed", messageId: "m-1", userId: "u1" });
  });

  it("refuses a wrong write key with 401 and records nothing", async () => {
    const { statuses, error } = await sendOne("wk_bad");
    expect(statuses).toEqual([401]);
    expect(error).toBeDefined();
    expect(segment.batches()).toEqual([]);
  });

  it("injects faults that the client retries through", async () => {
    segment.addFault({ kind: "status", status: 503, times: 1 });
    const { statuses } = await sendOne("wk_good", 2);
    expect(statuses).toEqual([503, 200]);
    expect(segment.events()).toHaveLength(1);
  });
});
