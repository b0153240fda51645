import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestStack, TEST_PROJECT_UID, type TestInstallation, type TestStack } from "../testing/harness.ts";
import type { RetryJob } from "./bulk-retry.ts";
import type { LogEntryDetail } from "./log-detail.ts";
import { getJson, listAll, MAPPED_CONFIGURATION, sendEvents, settled } from "./test-support.ts";

let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack({ env: { DELIVERY_MAX_AGE_MS: "1000" } });
  installation = await stack.install({ configuration: MAPPED_CONFIGURATION });
});
afterAll(() => stack.close());

const patchesFor = (userUid: string) =>
  stack.personalize.requests({ path: "/user-attributes" }).filter((r) => r.headers["x-cs-personalize-user-uid"] === userUid);

async function finished(jobId: string): Promise<RetryJob> {
  return eventually(async () => {
    const job = await getJson<RetryJob>(installation, `/api/log/retry/${jobId}`);
    return job.finishedAt === null ? null : job;
  });
}

describe("retry one", () => {
  it("re-sends a failed delivery once the fault is cleared, and refuses to send it twice", async () => {
    stack.personalize.addFault({ kind: "status", status: 400, userUid: "r-one" });
    await sendEvents(stack, installation, [{ type: "identify", userId: "r-one", messageId: "r-one-1", traits: { plan: "pro" } }]);
    await settled(installation);
    const [event] = await listAll(installation, "messageId=r-one-1&direction=inbound");
    const [request] = await listAll(installation, "userId=r-one&direction=personalize");
    expect(event.status).toBe("failed");
    expect(request).toMatchObject({ status: "failed", httpStatus: 400 });
    stack.personalize.clearFaults();

    const first = await installation.api(`/api/log/${event.id}/retry`, { method: "POST" });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ requeued: [request.id] });
    const second = await installation.api(`/api/log/${request.id}/retry`, { method: "POST" });
    expect(second.status).toBe(409);

    await settled(installation);
    const detail = await getJson<LogEntryDetail>(installation, `/api/log/${event.id}`);
    // The shown error is the latest attempt's: none once the retry succeeded, on the event and on its request.
    expect(detail.row).toMatchObject({ status: "delivered", error: null });
    expect(detail.related[0]).toMatchObject({ status: "delivered", httpStatus: 200, error: null });
    expect(detail.related[0].attempts.map((a) => a.httpStatus)).toEqual([400, 200]);
    expect(patchesFor("r-one")).toHaveLength(2);
    expect(stack.personalize.userAttributes(TEST_PROJECT_UID, "r-one")).toEqual({ plan: "pro" });

    const again = await installation.api(`/api/log/${event.id}/retry`, { method: "POST" });
    expect(again.status).toBe(409);
    expect((await again.json()).message).toMatch(/is delivered; only failed, dead-lettered or pending-retry deliveries can be retried/);
  });

  it("sends a request waiting for its scheduled retry now (Retry now)", async () => {
    // Retry-After an hour ahead (within the default 4 h maximum age): without "Retry now" the request would wait.
    const patient = await startTestStack();
    try {
      const owner = await patient.install({ configuration: MAPPED_CONFIGURATION });
      patient.personalize.addFault({ kind: "rate-limit", retryAfterSeconds: 3600, userUid: "r-now", times: 1 });
      await sendEvents(patient, owner, [{ type: "identify", userId: "r-now", messageId: "r-now-1", traits: { plan: "pro" } }]);
      const [waiting] = await eventually(async () => {
        const rows = await listAll(owner, "userId=r-now&direction=personalize&status=pending_retry");
        return rows.length ? rows : null;
      });
      const [event] = await listAll(owner, "messageId=r-now-1&direction=inbound");
      const response = await owner.api(`/api/log/${event.id}/retry`, { method: "POST" });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ requeued: [waiting.id] });
      await settled(owner);
      const detail = await getJson<LogEntryDetail>(owner, `/api/log/${event.id}`);
      expect(detail.row).toMatchObject({ status: "delivered", error: null });
      expect(detail.related[0].attempts.map((a) => a.httpStatus)).toEqual([429, 200]);
    } finally {
      await patient.close();
    }
  });

  it("answers 404 for an unknown row", async () => {
    expect((await installation.api("/api/log/987654/retry", { method: "POST" })).status).toBe(404);
  });
});

describe("bulk retry", () => {
  it("re-queues every failed or dead-lettered row the filter matches, reports progress, and never sends twice", async () => {
    stack.personalize.addFault({ kind: "status", status: 503, route: "PATCH /user-attributes" });
    await sendEvents(stack, installation, [{ type: "identify", userId: "b-outside", messageId: "b-outside-1", traits: { plan: "x" } }]);
    const before = await settled(installation);
    const from = Math.max(...before.map((row) => row.createdAt)) + 1;
    await eventually(() => Date.now() >= from);
    const users = ["b-1", "b-2", "b-3", "b-4", "b-5"];
    await sendEvents(stack, installation, users.map((userId) => ({ type: "identify", userId, messageId: `${userId}-m`, traits: { plan: "pro" } })));
    await settled(installation);
    expect((await listAll(installation, `from=${from}&status=dead_lettered`)).length).toBe(10);
    stack.personalize.clearFaults();

    const started = await installation.api("/api/log/retry", {
      method: "POST",
      body: JSON.stringify({ status: ["failed", "dead_lettered"], from }),
    });
    expect(started.status).toBe(202);
    const job = await finished(((await started.json()) as RetryJob).id);
    expect(job).toMatchObject({ state: "done", matchedRows: 10, total: 5, processed: 5, requeued: 5, skipped: 0, error: null });

    await settled(installation);
    const rows = await listAll(installation, `from=${from}`);
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => "delivered"));
    expect((await listAll(installation, "userId=b-outside&direction=inbound"))[0].status).toBe("dead_lettered");
    for (const user of users) expect(patchesFor(user).filter((r) => r.response?.status === 200)).toHaveLength(1);

    const repeat = await installation.api("/api/log/retry", { method: "POST", body: JSON.stringify({ status: "failed,dead_lettered", from }) });
    const repeated = await finished(((await repeat.json()) as RetryJob).id);
    expect(repeated).toMatchObject({ state: "done", matchedRows: 0, total: 0, requeued: 0 });
    await settled(installation);
    for (const user of users) expect(patchesFor(user).filter((r) => r.response?.status === 200)).toHaveLength(1);
  });

  it("refuses a filter that selects no failed or dead-lettered status", async () => {
    const response = await installation.api("/api/log/retry", { method: "POST", body: JSON.stringify({ status: ["delivered"] }) });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/^status: /);
  });

  it("answers 404 for an unknown job", async () => {
    expect((await installation.api("/api/log/retry/nope")).status).toBe(404);
    expect((await installation.api("/api/log/retry/nope/cancel", { method: "POST" })).status).toBe(404);
  });
});
