import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATUS_LABELS } from "../../src/shared/log-counts.ts";
import { eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import type { LogEntryDetail } from "./log-detail.ts";
import { bucketSizeFor, type LogSummary } from "./log-summary.ts";
import type { LogItem } from "./log-view.ts";
import { getJson, listAll, MAPPED_CONFIGURATION, sendEvents, settled } from "./test-support.ts";

let stack: TestStack;
let installation: TestInstallation;
let all: LogItem[];
let secondBatchAt: number;

/** Personalize's error body, as the emulator answers an injected 400, in the row's error. */
const CAROL_ERROR = "HTTP 400: Injected fault: HTTP 400 (personalize.USER_ATTRIBUTES.BAD_REQUEST)";
const SECRET = "Bearer sk_live_0123456789abcdef";

beforeAll(async () => {
  // Retries 50 ms apart for 3 s before dead-lettering: several attempts, however slow the machine is.
  stack = await startTestStack({ env: { DELIVERY_MAX_AGE_MS: "3000", DELIVERY_RETRY_BASE_MS: "50" } });
  installation = await stack.install({ configuration: MAPPED_CONFIGURATION });
  stack.personalize.addFault({ kind: "status", status: 400, userUid: "u-carol" });
  stack.personalize.addFault({ kind: "status", status: 503, userUid: "u-erin" });
  await sendEvents(stack, installation, [
    { type: "identify", userId: "u-alice", messageId: "m-alice-1", traits: { plan: "pro" }, context: { headers: { authorization: SECRET } } },
    { type: "track", userId: "u-alice", messageId: "m-alice-2", event: "Order Completed", properties: { revenue: 10 } },
    { type: "track", userId: "u-bob", messageId: "m-bob-1", event: "Product Viewed" },
    { type: "track", userId: "=u-bob", messageId: "m-bob-2" },
    { type: "identify", userId: "u-carol", messageId: "m-carol-1", traits: { plan: "free" } },
    { type: "identify", userId: "u-erin", messageId: "m-erin-1", traits: { plan: "team" } },
    { type: 'a,"b', userId: "u-bob", messageId: "m-bob-3" },
  ]);
  const firstBatch = await settled(installation);
  // The second batch must be stamped strictly after every row of the first, whatever the clock's resolution.
  secondBatchAt = Math.max(...firstBatch.map((row) => row.createdAt)) + 1;
  await eventually(() => Date.now() >= secondBatchAt);
  await sendEvents(stack, installation, [
    { type: "identify", userId: "u-alice", messageId: "m-alice-1", traits: { plan: "pro" } },
    { type: "page", userId: "u-dave", messageId: "m-dave-1", name: "Pricing" },
  ]);
  all = await settled(installation);
});
afterAll(() => stack.close());

const inbound = (messageId: string) => all.find((row) => row.direction === "inbound" && row.messageId === messageId && row.status !== "deduplicated")!;

describe("GET /api/log", () => {
  it("lists every row newest first with the list columns only", () => {
    expect(all.map((row) => row.id)).toEqual([...all].map((row) => row.id).sort((a, b) => b - a));
    expect(all.filter((row) => row.direction === "inbound")).toHaveLength(9);
    expect(all.filter((row) => row.direction === "personalize")).toHaveLength(4);
    expect(Object.keys(all[0]).sort()).toEqual(
      ["attempt", "createdAt", "direction", "error", "eventName", "eventType", "httpStatus", "id", "latencyMs", "messageId", "nextAttemptAt", "status", "updatedAt", "userId"].sort(),
    );
    expect(inbound("m-alice-1").status).toBe("delivered");
    expect(inbound("m-bob-1")).toMatchObject({ status: "filtered", error: 'no mapping matched track "Product Viewed"' });
    expect(inbound("m-bob-2")).toMatchObject({ status: "rejected", httpStatus: 400 });
    expect(inbound("m-carol-1")).toMatchObject({ status: "failed", error: CAROL_ERROR });
    expect(inbound("m-erin-1").status).toBe("dead_lettered");
  });

  const cases: Array<[string, () => string, (row: LogItem) => boolean, number]> = [
    ["direction", () => "direction=inbound", (r) => r.direction === "inbound", 9],
    ["several directions", () => "direction=personalize&direction=segment", (r) => r.direction !== "inbound", 4],
    ["several statuses", () => "status=failed,dead_lettered", (r) => r.status === "failed" || r.status === "dead_lettered", 4],
    ["event type", () => "eventType=identify", (r) => r.eventType === "identify", 4],
    ["event name", () => "eventName=Order%20Completed", (r) => r.eventName === "Order Completed", 1],
    ["user id", () => "userId=u-alice", (r) => r.userId === "u-alice", 5],
    ["messageId", () => "messageId=m-alice-1", (r) => r.messageId === "m-alice-1", 3],
    ["HTTP status", () => "httpStatus=400", (r) => r.httpStatus === 400, 3],
    ["HTTP status class", () => "httpStatusClass=5", (r) => r.httpStatus !== null && r.httpStatus >= 500 && r.httpStatus < 600, 1],
    ["error text, any case", () => "error=http%20400", (r) => /http 400/i.test(r.error ?? ""), 2],
    ["error text with LIKE wildcards taken literally", () => "error=%25", (r) => (r.error ?? "").includes("%"), 0],
    ["from", () => `from=${secondBatchAt}`, (r) => r.createdAt >= secondBatchAt, 2],
    ["to (ISO)", () => `to=${new Date(secondBatchAt).toISOString()}`, (r) => r.createdAt < secondBatchAt, 11],
    [
      "combined",
      () => "direction=inbound&status=filtered&status=rejected&userId=u-bob",
      (r) => r.direction === "inbound" && ["filtered", "rejected"].includes(r.status) && r.userId === "u-bob",
      2,
    ],
  ];
  it.each(cases)("filters by %s", async (_name, query, expected, count) => {
    const items = await listAll(installation, query());
    expect(items.map((r) => r.id)).toEqual(all.filter(expected).map((r) => r.id));
    expect(items).toHaveLength(count);
  });

  it("pages with a cursor without gaps or repeats", async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const page: { items: LogItem[]; nextCursor: number | null } = await getJson(installation, `/api/log?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen).toEqual(all.map((r) => r.id));
    expect(pages).toBe(Math.ceil(all.length / 4));
  });

  it.each([
    ["status=bogus", /^status: "bogus" is not one of/],
    ["limit=201", /^limit: must be at most 200/],
    ["from=yesterday", /^from: must be an ISO-8601 date/],
    ["httpStatusClass=9", /^httpStatusClass: must be at most 5/],
    ["from=1000&to=1000", /^to: must be later than from/],
  ])("answers %s with 400 naming the parameter", async (query, message) => {
    const response = await installation.api(`/api/log?${query}`);
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(message);
  });

  it("requires a session", async () => {
    expect((await fetch(`${stack.url}/api/log`)).status).toBe(401);
  });
});

describe("GET /api/log/:id", () => {
  it("shows an event with its mapping, the request sent, the response, the timeline and the user's other events", async () => {
    const event = inbound("m-alice-1");
    const detail = await getJson<LogEntryDetail>(installation, `/api/log/${event.id}`);
    expect(detail.row).toMatchObject({ id: event.id, direction: "inbound", status: "delivered" });
    expect(detail.row.payload).toMatchObject({ type: "identify", userId: "u-alice", traits: { plan: "pro" } });
    expect(detail.row.detail).toMatchObject({ mapping: { userUid: "u-alice", operations: [expect.objectContaining({ kind: "attributes" })] } });
    expect(JSON.stringify(detail)).not.toContain("sk_live_0123456789abcdef");
    expect(JSON.stringify(detail)).not.toContain(installation.writeKey);
    expect((detail.row.payload as { context: { headers: { authorization: string } } }).context.headers.authorization).toBe("••••cdef");

    expect(detail.related).toHaveLength(1);
    const [request] = detail.related;
    expect(request).toMatchObject({ direction: "personalize", status: "delivered", httpStatus: 200 });
    expect(request.payload).toMatchObject({ method: "PATCH", url: `${stack.personalize.url}/user-attributes`, body: '{"plan":"pro"}' });
    expect(request.attempts).toEqual([expect.objectContaining({ attempt: 1, httpStatus: 200, trigger: "scheduled" })]);
    expect(request.attempts[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(detail.timeline.map((entry) => entry.kind)).toEqual(["received", "queued", "attempt", "final"]);
    expect(detail.timeline.at(-1)).toMatchObject({ status: "delivered" });
    expect(detail.userEvents.map((row) => row.id)).toEqual(all.filter((r) => r.userId === "u-alice" && r.id !== event.id).map((r) => r.id));
  });

  it("shows a request with its attempts, the events it carries, and the retries of a failing one", async () => {
    const request = all.find((r) => r.direction === "personalize" && r.userId === "u-erin")!;
    const detail = await getJson<LogEntryDetail>(installation, `/api/log/${request.id}`);
    expect(detail.row.status).toBe("dead_lettered");
    expect(detail.attempts.length).toBeGreaterThan(1);
    expect(detail.attempts.every((a) => a.httpStatus === 503)).toBe(true);
    expect(detail.related.map((r) => r.messageId)).toEqual(["m-erin-1"]);
    expect(detail.timeline.filter((e) => e.kind === "attempt")).toHaveLength(detail.attempts.length);
    expect(detail.timeline[0].kind).toBe("received");
  });

  it("says why an event was filtered", async () => {
    const detail = await getJson<LogEntryDetail>(installation, `/api/log/${inbound("m-bob-1").id}`);
    expect(detail.related).toEqual([]);
    expect(detail.timeline.map((e) => e.kind)).toEqual(["received", "filtered"]);
    expect(detail.timeline[1].label).toBe('no mapping matched track "Product Viewed"');
  });

  it("answers 404 for an unknown row and 400 for a malformed id", async () => {
    expect((await installation.api("/api/log/999999")).status).toBe(404);
    expect((await installation.api("/api/log/abc")).status).toBe(400);
  });
});

describe("GET /api/log/summary", () => {
  it("counts the funnel, requests, buckets and top errors of the period", async () => {
    const to = Date.now() + 1000;
    const summary = await getJson<LogSummary>(installation, `/api/log/summary?from=${to - 3_600_000}&to=${to}`);
    expect(summary.funnel).toEqual({
      received: 9,
      rejected: 2,
      deduplicated: 1,
      filtered: 2,
      pending: 0,
      delivered: 2,
      failed: 1,
      deadLettered: 1,
    });
    expect(summary.requests).toEqual({ total: 4, pending: 0, delivered: 2, failed: 1, deadLettered: 1 });
    // The hour is counted; the charts cover only its active end (at least 3 min), in buckets cut to fit.
    expect(summary.from).toBe(to - 3_600_000);
    expect(summary.to - summary.chartFrom).toBeGreaterThanOrEqual(3 * 60_000);
    expect(summary.bucketMs).toBe(bucketSizeFor(summary.to - summary.chartFrom));
    expect(summary.bucketMs).toBeLessThan(60_000);
    expect(summary.buckets).toHaveLength(Math.ceil((summary.to - summary.chartFrom) / summary.bucketMs));
    expect(summary.buckets.reduce((sum, b) => sum + b.received, 0)).toBe(9);
    const busy = summary.buckets.filter((b) => b.received > 0);
    expect(busy.every((b) => b.successRate === null || (b.successRate >= 0 && b.successRate <= 1))).toBe(true);
    expect(summary.buckets.reduce((sum, b) => sum + b.delivered, 0)).toBe(2);
    expect(summary.latency.requestP95Ms).toBeGreaterThanOrEqual(0);
    expect(summary.latency.deliveryP95Ms).toBeGreaterThanOrEqual(0);

    // One failed request is one error, counted on the request's row and not again on the event it carried.
    const http400 = summary.topErrors.find((e) => e.error === CAROL_ERROR)!;
    expect(http400.count).toBe(1);
    expect(http400.sampleIds).toEqual(all.filter((r) => r.error === CAROL_ERROR && r.direction === "personalize").map((r) => r.id));
    const errorCount = summary.topErrors.reduce((sum, e) => sum + e.count, 0);
    expect(errorCount).toBe(summary.funnel.rejected + summary.requests.failed + summary.requests.deadLettered);
    expect(summary.topErrors.map((e) => e.count)).toEqual([...summary.topErrors.map((e) => e.count)].sort((a, b) => b - a));
    expect(summary.filterReasons.map((e) => e.error)).toContain("messageId already received");
    expect(summary.lastError).not.toBeNull();
  });

  it("follows every filter, not only the time range", async () => {
    const to = Date.now() + 1000;
    const period = `from=${to - 3_600_000}&to=${to}`;
    const alice = await getJson<LogSummary>(installation, `/api/log/summary?${period}&userId=u-alice`);
    const aliceRows = all.filter((r) => r.userId === "u-alice");
    expect(alice.funnel.received).toBe(aliceRows.filter((r) => r.direction === "inbound").length);
    expect(alice.requests.total).toBe(aliceRows.filter((r) => r.direction !== "inbound").length);
    expect(alice.topErrors).toEqual([]);

    const carol = await getJson<LogSummary>(installation, `/api/log/summary?${period}&userId=u-carol`);
    expect(carol.funnel).toMatchObject({ received: 1, failed: 1, delivered: 0 });
    expect(carol.topErrors.map((e) => [e.error, e.count])).toEqual([[CAROL_ERROR, 1]]);
    expect(carol.lastError?.userId).toBe("u-carol");

    const rejected = await getJson<LogSummary>(installation, `/api/log/summary?${period}&status=rejected`);
    expect(rejected.funnel).toMatchObject({ received: 2, rejected: 2, delivered: 0 });
    expect(rejected.requests.total).toBe(0);

    const outboundOnly = await getJson<LogSummary>(installation, `/api/log/summary?${period}&direction=personalize`);
    expect(outboundOnly.funnel.received).toBe(0);
    expect(outboundOnly.requests.total).toBe(4);
    expect(outboundOnly.topErrors.map((e) => e.error).sort()).toEqual([CAROL_ERROR, "HTTP 503: Injected fault: HTTP 503 (personalize.USER_ATTRIBUTES.SERVICE_UNAVAILABLE) (gave up: maximum age reached)"]);
  });

  it.each([
    ["without a chosen start", ""],
    ["over a chosen 24 h range", `?from=${new Date(Date.now() - 86_400_000).toISOString()}`],
  ])("%s, fits the charts to where the rows begin instead of a 24 h axis", async (_name, query) => {
    const summary = await getJson<LogSummary>(installation, `/api/log/summary${query}`);
    expect(summary.to - summary.from).toBeGreaterThanOrEqual(86_400_000);
    expect(summary.to - summary.chartFrom).toBeLessThan(3_600_000);
    expect(summary.bucketMs).toBe(bucketSizeFor(summary.to - summary.chartFrom));
    expect(summary.bucketMs).toBeLessThan(60_000);
    expect(summary.funnel.received).toBe(9);
    expect(summary.buckets[0].start).toBe(summary.chartFrom);
    expect(summary.buckets[0].start).toBeLessThanOrEqual(Math.min(...all.map((row) => row.createdAt)));
  });

  it("refuses a bad filter with a 400 naming it", async () => {
    const response = await installation.api("/api/log/summary?status=nope");
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/^status: "nope" is not one of/);
  });

  it("counts nothing before the events", async () => {
    const summary = await getJson<LogSummary>(installation, `/api/log/summary?from=${Date.now() - 7_200_000}&to=${Date.now() - 3_600_000}`);
    expect(summary.funnel.received).toBe(0);
    expect(summary.topErrors).toEqual([]);
  });
});

describe("GET /api/log/export", () => {
  it("downloads the filtered rows as CSV, quoted and safe to open in a spreadsheet", async () => {
    const response = await installation.api("/api/log/export?format=csv&direction=inbound&status=rejected");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="sync-log-\d{8}T\d{6}Z\.csv"$/);
    const lines = (await response.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("ID,Time,Direction,Status,User,Event type,Event name,HTTP,Latency (ms),Attempt,Error,Message ID,Updated");
    expect(lines.slice(1).every((line) => line.includes(",Segment → app,Rejected,"))).toBe(true);
    expect(lines).toHaveLength(3);
    const typo = lines.find((line) => line.includes("m-bob-3"))!;
    expect(typo).toContain(`,"type ""a,""b"" is not a Segment call type",`);
    expect(typo).toContain(`,"a,""b",`);
    expect(lines.find((line) => line.includes("m-bob-2"))).toContain(",'=u-bob,");
  });

  it("downloads whole rows as JSON with secrets masked", async () => {
    const response = await installation.api("/api/log/export?format=json&userId=u-alice");
    expect(response.headers.get("content-disposition")).toMatch(/\.json"$/);
    const text = await response.text();
    const rows = JSON.parse(text) as Array<{ id: number; payload: unknown; direction: string; directionLabel: string; statusLabel: string }>;
    expect(rows.map((r) => r.id)).toEqual(all.filter((r) => r.userId === "u-alice").map((r) => r.id));
    const inbound = rows.find((r) => r.direction === "inbound")!;
    expect(inbound.directionLabel).toBe("Segment → app");
    expect(Object.values(STATUS_LABELS)).toContain(inbound.statusLabel);
    expect(rows.every((r) => r.payload !== undefined)).toBe(true);
    expect(text).not.toContain("sk_live_0123456789abcdef");
  });

  it("rejects an unknown format", async () => {
    const response = await installation.api("/api/log/export?format=xml");
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/^format: must be "csv" or "json"/);
  });
});

describe("recent events and retention", () => {
  it("lists recent events as received, for the config screen's tester", async () => {
    const { items } = await getJson<{ items: Array<{ id: string; type: string; name: string | null; userId: string; payload: unknown }> }>(
      installation,
      "/api/log/recent-events?limit=3",
    );
    expect(items.map((i) => i.payload && (i.payload as { messageId: string }).messageId)).toEqual(["m-dave-1", "m-alice-1", "m-erin-1"]);
    expect(items[0]).toMatchObject({ type: "page", name: "Pricing", userId: "u-dave", id: String(inbound("m-dave-1").id) });
  });

  it("says what is kept", async () => {
    const retention = await getJson<{ days: number; maxRows: number; rows: number; oldestAt: number }>(installation, "/api/log/retention");
    expect(retention).toEqual({ days: 14, maxRows: 1_000_000, rows: all.length, oldestAt: all.at(-1)!.createdAt });
  });
});

describe("two-way manifest checks", () => {
  it("can be left out of the list and the summary with hideChecks=1", async () => {
    const [checkId] = await stack.server.store.appendFinal(
      installation.uid,
      [{ direction: "personalize", status: "delivered", userId: "u-alice", eventType: "manifest", httpStatus: 200 }],
      Date.now(),
    );
    expect((await listAll(installation, "userId=u-alice")).map((r) => r.id)).toContain(checkId);
    expect((await listAll(installation, "userId=u-alice&hideChecks=1")).map((r) => r.id)).not.toContain(checkId);
    const withChecks = await getJson<LogSummary>(installation, "/api/log/summary?userId=u-alice");
    const without = await getJson<LogSummary>(installation, "/api/log/summary?userId=u-alice&hideChecks=1");
    expect(withChecks.requests.total - without.requests.total).toBe(1);
    expect((await installation.api("/api/log?hideChecks=yes")).status).toBe(400);
  });
});
