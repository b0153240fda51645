import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openSqliteStore } from "../store/sqlite-store.ts";
import type { ClaimedOutbound, DeliveryQueue } from "../store/types.ts";
import { eventually } from "../testing/harness.ts";
import type { SendReport } from "./http-sender.ts";
import { DEFAULT_RETRY_POLICY } from "./retry-policy.ts";
import { startDeliveryWorker } from "./worker.ts";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("delivery worker", () => {
  it("does not send a request again when a claim hands back one it is still sending (its lease ran out mid-request)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "segment-sync-worker-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = openSqliteStore(join(dir, "sync.db"), createSecretBox(parseSecretKeys(generateSecretKeySpec())));
    cleanups.push(() => store.close());
    const [id] = await store.enqueueOutbound(
      [
        {
          installationUid: "inst-a",
          direction: "segment",
          userId: "u1",
          eventType: "track",
          eventName: "Experiment Viewed",
          messageId: "m1",
          request: { method: "POST", url: "http://127.0.0.1:9/v1/batch", headers: {}, body: "{}" },
          eventIds: [],
          detail: {},
        },
      ],
      Date.now(),
    );

    // The claim after the first hands the row back, as a claim does once the row's lease has run out.
    let firstClaim: ClaimedOutbound | null = null;
    let handedBack = false;
    const queue = new Proxy(store, {
      get(target, property) {
        if (property !== "claimOutbound") {
          const value = Reflect.get(target, property);
          return typeof value === "function" ? value.bind(target) : value;
        }
        return async (...args: Parameters<DeliveryQueue["claimOutbound"]>) => {
          const rows = await target.claimOutbound(...args);
          if (rows.length) firstClaim ??= rows[0]!;
          else if (firstClaim && !handedBack) {
            handedBack = true;
            return [firstClaim];
          }
          return rows;
        };
      },
    });

    const sends: number[] = [];
    let release: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const worker = startDeliveryWorker(
      queue,
      {
        async send(row): Promise<SendReport> {
          sends.push(row.id);
          await answered;
          return { result: { kind: "response", status: 200, retryAfter: null }, latencyMs: 1, responseBody: "{}" };
        },
      },
      { concurrency: 4, batchWindowMs: 10, planBatchSize: 100, requestTimeoutMs: 1000, retryPolicy: DEFAULT_RETRY_POLICY, hostAllowlist: [] },
      pino({ level: "silent" }),
    );
    cleanups.push(() => worker.stop(1000));

    await eventually(() => handedBack);
    release();
    await eventually(async () => (await store.queryLog({ installationUid: "inst-a", statuses: ["delivered"], limit: 5 })).length === 1);
    expect(sends).toEqual([id]);
  });

  it("plans a full batch at once instead of waiting out the batch window", async () => {
    const dir = mkdtempSync(join(tmpdir(), "segment-sync-worker-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = openSqliteStore(join(dir, "sync.db"), createSecretBox(parseSecretKeys(generateSecretKeySpec())));
    cleanups.push(() => store.close());
    const worker = startDeliveryWorker(
      store,
      { send: async () => ({ result: { kind: "response", status: 200, retryAfter: null }, latencyMs: 1, responseBody: "{}" }) },
      { concurrency: 4, batchWindowMs: 3_600_000, planBatchSize: 3, requestTimeoutMs: 1000, retryPolicy: DEFAULT_RETRY_POLICY, hostAllowlist: [] },
      pino({ level: "silent" }),
    );
    cleanups.push(() => worker.stop(1000));
    const event = (messageId: string) => ({
      messageId,
      userId: "u1",
      eventType: "identify",
      eventName: null,
      payload: { type: "identify", userId: "u1", messageId },
      detail: {},
    });
    await store.acceptInbound("inst-a", [event("m1"), event("m2")], Date.now());
    await store.acceptInbound("inst-a", [event("m3")], Date.now());
    // An hour's window, yet three events fill the batch: they are planned (the installation is gone: filtered).
    await eventually(async () => (await store.queryLog({ installationUid: "inst-a", statuses: ["filtered"], limit: 5 })).length === 3);
  });
});
