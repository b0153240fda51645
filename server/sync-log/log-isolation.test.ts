import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import type { RetryJob } from "./bulk-retry.ts";
import type { LogSummary } from "./log-summary.ts";
import type { LogItem } from "./log-view.ts";
import { getJson, listAll, MAPPED_CONFIGURATION, openLogStream, rowsOf, sendEvents, settled } from "./test-support.ts";

let stack: TestStack;
let a: TestInstallation;
let b: TestInstallation;
let rowsOfB: LogItem[];

const batch = (prefix: string) => [
  { type: "identify", userId: `${prefix}-ok`, messageId: `${prefix}-ok-m`, traits: { plan: "pro" } },
  { type: "identify", userId: `${prefix}-fail`, messageId: `${prefix}-fail-m`, traits: { plan: "pro" } },
  { type: "track", userId: `${prefix}-ok`, messageId: `${prefix}-track-m`, event: "Order Completed" },
];

beforeAll(async () => {
  stack = await startTestStack();
  a = await stack.install({ configuration: MAPPED_CONFIGURATION });
  b = await stack.install({ configuration: MAPPED_CONFIGURATION });
  for (const prefix of ["a", "b"]) stack.personalize.addFault({ kind: "status", status: 400, userUid: `${prefix}-fail` });
  await sendEvents(stack, a, batch("a"));
  await sendEvents(stack, b, batch("b"));
  await settled(a);
  rowsOfB = await settled(b);
});
afterAll(() => stack.close());

const idsOf = (rows: LogItem[]) => new Set(rows.map((r) => r.id));
const failedOf = (rows: LogItem[]) => rows.find((r) => r.status === "failed" && r.direction === "personalize")!;

describe("installation isolation", () => {
  it("lists only the session's own rows, whatever the client asks for", async () => {
    // Other tests here add rows to A, so compare with A's rows as they are now.
    const rowsOfA = await settled(a);
    expect(rowsOfA.length).toBeGreaterThan(0);
    expect(rowsOfA.every((r) => r.userId?.startsWith("a-"))).toBe(true);
    expect(rowsOfB.every((r) => r.userId?.startsWith("b-"))).toBe(true);
    expect(await listAll(a, "userId=b-ok")).toEqual([]);
    expect(await listAll(a, "messageId=b-ok-m")).toEqual([]);
    expect((await listAll(a, `installationUid=${b.uid}`)).map((r) => r.id)).toEqual(rowsOfA.map((r) => r.id));
    const beyondAll = Math.max(...(await settled(b)).map((r) => r.id), ...rowsOfA.map((r) => r.id)) + 1;
    expect(idsOf(await listAll(a, `cursor=${beyondAll}`))).toEqual(idsOf(rowsOfA));
  });

  it("answers 404 for another installation's row, and its retry", async () => {
    for (const row of rowsOfB) expect((await a.api(`/api/log/${row.id}`)).status).toBe(404);
    const failedB = failedOf(rowsOfB);
    expect((await a.api(`/api/log/${failedB.id}/retry`, { method: "POST" })).status).toBe(404);
    expect((await listAll(b, `messageId=${failedB.messageId}&direction=personalize`))[0].status).toBe("failed");
  });

  it("exports, summarizes and lists recent events of its own rows only", async () => {
    const rowsOfA = await settled(a);
    const csv = await (await a.api("/api/log/export?format=csv")).text();
    const json = await (await a.api("/api/log/export?format=json")).text();
    for (const text of [csv, json]) {
      expect(text).not.toMatch(/b-ok|b-fail|b-track/);
      expect(text).toContain("a-ok-m");
    }
    expect((JSON.parse(json) as LogItem[]).map((r) => r.id)).toEqual(rowsOfA.map((r) => r.id));
    const summary = await getJson<LogSummary>(a, "/api/log/summary");
    expect(summary.funnel.received).toBe(rowsOfA.filter((r) => r.direction === "inbound").length);
    expect(summary.topErrors.flatMap((e) => e.sampleIds).every((id) => idsOf(rowsOfA).has(id))).toBe(true);
    const recent = await getJson<{ items: Array<{ userId: string }> }>(a, "/api/log/recent-events");
    expect(recent.items.map((i) => i.userId).every((id) => id.startsWith("a-"))).toBe(true);
    const retention = await getJson<{ rows: number }>(a, "/api/log/retention");
    expect(retention.rows).toBe(rowsOfA.length);
  });

  it("bulk-retries its own rows only and keeps its jobs private", async () => {
    const response = await a.api("/api/log/retry", { method: "POST", body: JSON.stringify({}) });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as RetryJob;
    expect((await b.api(`/api/log/retry/${id}`)).status).toBe(404);
    expect((await b.api(`/api/log/retry/${id}/cancel`, { method: "POST" })).status).toBe(404);
    const job = await eventually(async () => {
      const current = await getJson<RetryJob>(a, `/api/log/retry/${id}`);
      return current.finishedAt === null ? null : current;
    });
    expect(job).toMatchObject({ state: "done", total: 1, requeued: 1 });
    await settled(a);
    const failedB = failedOf(rowsOfB);
    expect((await listAll(b, `messageId=${failedB.messageId}&direction=personalize`))[0].status).toBe("failed");
  });

  it("streams its own changes only", async () => {
    const streamA = await openLogStream(stack, a);
    const streamB = await openLogStream(stack, b);
    await sendEvents(stack, b, [{ type: "identify", userId: "b-live", messageId: "b-live-m", traits: { plan: "x" } }]);
    await streamB.waitFor((e) => e.event === "rows" && rowsOf(e.data).items.some((i) => i.messageId === "b-live-m" && i.status === "delivered"));
    await sendEvents(stack, a, [{ type: "identify", userId: "a-live", messageId: "a-live-m", traits: { plan: "x" } }]);
    await streamA.waitFor((e) => e.event === "rows" && rowsOf(e.data).items.some((i) => i.messageId === "a-live-m" && i.status === "delivered"));
    const seenByA = streamA.received.filter((e) => e.event === "rows").flatMap((e) => rowsOf(e.data).items);
    const seenByB = streamB.received.filter((e) => e.event === "rows").flatMap((e) => rowsOf(e.data).items);
    expect(seenByA.length).toBeGreaterThan(0);
    expect(seenByA.every((i) => i.userId?.startsWith("a-"))).toBe(true);
    expect(seenByB.every((i) => i.userId?.startsWith("b-"))).toBe(true);
    streamA.close();
    streamB.close();
  });
});
