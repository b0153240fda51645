/**
 * The store contract: the same behaviour tests against SQLite (a temporary file) and PostgreSQL (a fresh schema
 * per test in a database of this file's own).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { configurationSchema, serverConfigurationSchema } from "../../src/shared/installation-config.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { eventually } from "../testing/harness.ts";
import { createTestSchema } from "../testing/postgres.ts";
import { describePostgres, usePostgresDatabase } from "../testing/postgres-suite.ts";
import { DEDUPLICATION_WINDOW_MS } from "./migrations.ts";
import { openPostgresStore } from "./postgres-store.ts";
import { openSqliteStore } from "./sqlite-store.ts";
import { planNextBatch } from "../delivery/plan-step.ts";
import { inOneGo } from "../testing/planning.ts";
import type {
  AttemptOutcome,
  ChangeNotice,
  InboundEvent,
  Installation,
  PlanLookups,
  PlanningBatch,
  PlanResult,
  QueuedInbound,
  Store,
} from "./types.ts";

const secrets = createSecretBox(parseSecretKeys(generateSecretKeySpec()));

function installationFor(uid: string, retention?: { days: number; maxRows: number }): Installation {
  const configuration = configurationSchema.parse({});
  return {
    uid,
    stackApiKey: `blt-${uid}`,
    organizationUid: "org-1",
    appUid: "app-1",
    configuration: retention ? { ...configuration, retention } : configuration,
    serverConfiguration: serverConfigurationSchema.parse({ trackingWriteKey: `wk-${uid}` }),
    createdAt: 1000,
    updatedAt: 1000,
  };
}

function event(userId: string | null, messageId: string | null, extra: Record<string, unknown> = {}): InboundEvent {
  return {
    messageId,
    userId,
    eventType: "identify",
    eventName: null,
    payload: { type: "identify", userId, messageId, ...extra },
    detail: { source: "test" },
  };
}

/** A stand-in planner: one request per event with a user (its lane is the user), the others filtered. */
function planEach(events: QueuedInbound[], lookups: PlanLookups): PlanResult {
  const result: PlanResult = { inbound: [], outbound: [], userStates: [] };
  for (const queued of events) {
    const userId = typeof queued.payload.userId === "string" ? queued.payload.userId : null;
    if (!userId || !lookups.installation(queued.installationUid)) {
      result.inbound.push({ id: queued.id, status: "filtered", userId, error: "nothing to send", detail: queued.detail, openRequests: 0 });
      continue;
    }
    result.inbound.push({ id: queued.id, status: "processing", userId, error: null, detail: queued.detail, openRequests: 1 });
    result.outbound.push({
      installationUid: queued.installationUid,
      direction: "personalize",
      userId,
      eventType: "attributes",
      eventName: null,
      messageId: typeof queued.payload.messageId === "string" ? queued.payload.messageId : null,
      request: { method: "PATCH", url: "http://edge.test/user-attributes", headers: {}, body: JSON.stringify({ seq: queued.payload.seq ?? null }) },
      eventIds: [queued.id],
      detail: {},
    });
    const clock = lookups.attributeClock(queued.installationUid, userId);
    result.userStates.push({ installationUid: queued.installationUid, userId, attributeClock: { ...clock, last: String(queued.id) } });
  }
  return result;
}

const delivered = (latencyMs = 5): AttemptOutcome => ({ status: "delivered", httpStatus: 200, latencyMs, responseBody: "{}" });
const retryAt = (nextAttemptAt: number): AttemptOutcome => ({
  status: "pending_retry",
  httpStatus: 503,
  latencyMs: 5,
  responseBody: "busy",
  error: "HTTP 503",
  nextAttemptAt,
});
const failed: AttemptOutcome = { status: "failed", httpStatus: 400, latencyMs: 5, responseBody: "bad", error: "HTTP 400", nextAttemptAt: null };

interface Backend {
  name: string;
  suite: (name: string, body: () => void) => void;
  /** Where a fresh store lives, and how to open a store there (several may share one location). */
  setup(): { location(): Promise<string>; open(location: string): Promise<Store> };
}

const backends: Backend[] = [
  {
    name: "SQLite",
    suite: describe,
    setup() {
      const dir = mkdtempSync(join(tmpdir(), "store-contract-"));
      afterAll(() => rmSync(dir, { recursive: true, force: true }));
      let count = 0;
      return {
        location: async () => join(dir, `store-${++count}.db`),
        open: async (path) => openSqliteStore(path, secrets),
      };
    },
  },
  {
    name: "PostgreSQL",
    suite: describePostgres,
    setup() {
      const database = usePostgresDatabase();
      return {
        location: () => createTestSchema(database.url),
        open: (url) => openPostgresStore(url, secrets),
      };
    },
  },
];

for (const backend of backends) {
  backend.suite(`store contract: ${backend.name}`, () => {
    const places = backend.setup();
    const opened: Store[] = [];
    let location: string;
    let store: Store;
    const open = async (at = location) => {
      const next = await places.open(at);
      opened.push(next);
      return next;
    };
    beforeEach(async () => {
      location = await places.location();
      store = await open();
    });
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });

    /** Saves installation `uid`, accepts one event per user, and plans them. */
    const planned = async (uid: string, users: string[], now = 1000) => {
      await store.saveInstallation(installationFor(uid), null);
      await store.acceptInbound(uid, users.map((user, i) => event(user, `${uid}-${user}-${i}`, { seq: i })), now);
      return planNextBatch(store, 100, now, inOneGo(planEach));
    };
    const rowsOf = (uid: string, direction: "inbound" | "personalize") =>
      store.queryLog({ installationUid: uid, directions: [direction], limit: 1000 });

    it("reports its health", async () => {
      expect(await store.health()).toMatchObject({ ok: true, kind: store.kind });
    });

    it("saves, finds and updates installations, a write key belonging to one installation at a time", async () => {
      const first = installationFor("inst-a");
      await store.saveInstallation(first, "hash-1");
      expect(await store.getInstallation("inst-a")).toEqual(first);
      expect((await store.findInstallationByWriteKeyHash("hash-1"))?.uid).toBe("inst-a");
      await store.saveInstallation({ ...installationFor("inst-b"), createdAt: 2000 }, "hash-1");
      expect((await store.findInstallationByWriteKeyHash("hash-1"))?.uid).toBe("inst-b");
      const updated = { ...first, stackApiKey: "blt-new", updatedAt: 5000, createdAt: 9999 };
      await store.saveInstallation(updated, "hash-2");
      expect(await store.getInstallation("inst-a")).toEqual({ ...updated, createdAt: 1000 });
      expect(await store.getInstallation("nope")).toBeNull();
      expect(await store.findInstallationByWriteKeyHash("nope")).toBeNull();
    });

    it("stages each request as one row, counts it as backlog, and expands it into the log in order, dated when received", async () => {
      await store.stageInbound("inst-a", [event("u1", "s1"), event("u2", "s2")], 1000);
      await store.stageInbound("inst-b", [event("u1", "s3")], 1001);
      await store.stageInbound("inst-a", [event("u1", "s1"), event("u1", "s4")], 1002);
      expect(await rowsOf("inst-a", "inbound")).toEqual([]);
      expect(await store.stagedEvents("inst-a")).toBe(4);
      expect(await store.unsettledBacklog()).toBe(5);
      expect(await store.oldestUnplanned()).toBe(1000);
      expect([await store.unplannedAtLeast(5), await store.unplannedAtLeast(6)]).toEqual([true, false]);
      // Whole requests only: a budget of 2 takes the first (2 events), not part of the next.
      expect(await store.expandStaged(2)).toBe(2);
      expect(await store.stagedEvents("inst-a")).toBe(2);
      expect(await store.oldestUnplanned()).toBe(1000);
      expect([await store.unplannedAtLeast(5), await store.unplannedAtLeast(6)]).toEqual([true, false]);
      // At least one request even when it alone is over the budget.
      expect(await store.expandStaged(0)).toBe(1);
      expect(await store.expandStaged(100)).toBe(2);
      expect(await store.expandStaged(100)).toBe(0);
      expect(await store.stagedEvents("inst-a")).toBe(0);
      expect(await store.unsettledBacklog()).toBe(4);
      // The duplicate is not waiting to be planned.
      expect([await store.unplannedAtLeast(4), await store.unplannedAtLeast(5)]).toEqual([true, false]);
      const rows = await rowsOf("inst-a", "inbound");
      expect(rows.map((row) => [row.messageId, row.status, row.createdAt])).toEqual([
        ["s4", "queued", 1002],
        ["s1", "deduplicated", 1002],
        ["s2", "queued", 1000],
        ["s1", "queued", 1000],
      ]);
      expect((await rowsOf("inst-b", "inbound")).map((row) => [row.messageId, row.createdAt])).toEqual([["s3", 1001]]);
    });

    it("removes staged requests with their installation", async () => {
      await store.stageInbound("inst-a", [event("u1", "d1")], 1000);
      await store.stageInbound("inst-b", [event("u1", "d2")], 1000);
      await store.deleteInstallation("inst-a");
      expect(await store.stagedEvents("inst-a")).toBe(0);
      expect(await store.stagedEvents("inst-b")).toBe(1);
      expect(await store.expandStaged(100)).toBe(1);
      expect(await rowsOf("inst-a", "inbound")).toEqual([]);
    });

    it("de-duplicates messageIds per installation, within a batch and across batches", async () => {
      expect(await store.acceptInbound("inst-a", [event("u1", "m1"), event("u1", "m2"), event("u1", "m1"), event("u1", null)], 1000)).toEqual({
        accepted: 3,
        duplicates: 1,
      });
      expect(await store.acceptInbound("inst-a", [event("u1", "m2"), event("u1", "m3"), event("u1", null)], 1001)).toEqual({
        accepted: 2,
        duplicates: 1,
      });
      expect(await store.acceptInbound("inst-b", [event("u1", "m1")], 1002)).toEqual({ accepted: 1, duplicates: 0 });
      expect(await store.unsettledBacklog()).toBe(6);
      const rows = await rowsOf("inst-a", "inbound");
      expect(rows.map((row) => [row.messageId, row.status])).toEqual([
        [null, "queued"],
        ["m3", "queued"],
        ["m2", "deduplicated"],
        [null, "queued"],
        ["m1", "deduplicated"],
        ["m2", "queued"],
        ["m1", "queued"],
      ]);
      expect(rows.find((row) => row.status === "deduplicated")).toMatchObject({ error: "messageId already received", userId: "u1" });
      expect(rows[rows.length - 1]).toMatchObject({
        installationUid: "inst-a",
        createdAt: 1000,
        direction: "inbound",
        eventType: "identify",
        payload: { type: "identify", userId: "u1", messageId: "m1" },
        detail: { source: "test" },
        attempt: 0,
        nextAttemptAt: null,
      });
    });

    it("appends final rows and returns their ids in order", async () => {
      const ids = await store.appendFinal(
        "inst-a",
        [
          { direction: "inbound", status: "rejected", httpStatus: 400, error: "bad event", messageId: "r1", detail: { index: 0 } },
          { direction: "inbound", status: "rejected", httpStatus: 401, error: "bad key" },
        ],
        2000,
      );
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBeGreaterThan(ids[0]);
      const rows = await store.getLogRows("inst-a", ids);
      expect(rows.map((row) => [row.id, row.httpStatus, row.error, row.detail])).toEqual([
        [ids[1], 401, "bad key", {}],
        [ids[0], 400, "bad event", { index: 0 }],
      ]);
      expect(await store.getLogRows("inst-other", ids)).toEqual([]);
      expect(await store.unsettledBacklog()).toBe(0);
    });

    it("plans queued events oldest first, with lookups, and makes only each lane's first new row due", async () => {
      await store.saveInstallation(installationFor("inst-a"), null);
      await store.acceptInbound("inst-a", [event("u1", "a"), event("u2", "b"), event("u1", "c"), event(null, "d")], 1000);
      await store.acceptInbound("inst-gone", [event("u1", "e")], 1000);
      const seen: QueuedInbound[] = [];
      expect(await planNextBatch(store, 2, 1500, inOneGo((events, lookups) => (seen.push(...events), planEach(events, lookups))))).toBe(2);
      expect(seen.map((queued) => queued.payload.messageId)).toEqual(["a", "b"]);
      expect(seen[0]).toMatchObject({ installationUid: "inst-a", createdAt: 1000, detail: { source: "test" } });
      expect(await planNextBatch(store, 100, 1500, inOneGo(planEach))).toBe(3);
      expect(await planNextBatch(store, 100, 1500, inOneGo(planEach))).toBe(0);
      // Planned is not delivered: the three events with a request still count; the two filtered ones do not.
      expect(await store.unsettledBacklog()).toBe(3);

      const outbound = await rowsOf("inst-a", "personalize");
      expect(outbound.map((row) => [row.userId, row.status, row.nextAttemptAt, row.messageId])).toEqual([
        ["u1", "pending", null, "c"],
        ["u2", "pending", 1500, "b"],
        ["u1", "pending", 1500, "a"],
      ]);
      const inbound = await rowsOf("inst-a", "inbound");
      const byMessage = new Map(inbound.map((row) => [row.messageId, row]));
      expect(byMessage.get("a")).toMatchObject({ status: "processing", userId: "u1", detail: { source: "test", outboundIds: [outbound[2].id] } });
      expect(byMessage.get("d")).toMatchObject({ status: "filtered", error: "nothing to send", detail: { outboundIds: [] } });
      expect((await rowsOf("inst-gone", "inbound"))[0]).toMatchObject({ status: "filtered" });

      await store.acceptInbound("inst-a", [event("u1", "f")], 2000);
      let clock: Record<string, string> = {};
      await planNextBatch(store, 100, 2000, inOneGo((events, lookups) => {
        clock = lookups.attributeClock("inst-a", "u1");
        return planEach(events, lookups);
      }));
      expect(clock).toEqual({ last: String(byMessage.get("c")!.id) });
    });

    it("commits each event's plan once when two stores plan the same events", async () => {
      await store.saveInstallation(installationFor("inst-a"), null);
      await store.acceptInbound("inst-a", [event("u1", "p1"), event("u2", "p2")], 1000);
      const other = await open();
      const planOf = (batch: PlanningBatch) => planEach(batch.events, { installation: batch.installation, attributeClock: () => ({}) });
      const first = await store.nextPlanningBatch(10);
      // PostgreSQL: the first batch holds the planning lock, so the other store has nothing to plan meanwhile.
      // SQLite: both read the events; the first commit wins and the other writes nothing.
      const second = await other.nextPlanningBatch(10);
      expect(second === null).toBe(store.kind === "postgres");
      if (second) expect(await second.commit(planOf(second), 1000)).toBe(2);
      expect(await first!.commit(planOf(first!), 1000)).toBe(second ? 0 : 2);
      expect((await rowsOf("inst-a", "personalize")).map((row) => row.messageId)).toEqual(["p2", "p1"]);
      expect((await rowsOf("inst-a", "inbound")).map((row) => row.detail.outboundIds)).toHaveLength(2);
      expect(await store.nextPlanningBatch(10)).toBeNull();
    });

    it("claims due rows only, up to the limit, skipping excluded installations, and leases them", async () => {
      await planned("inst-a", ["u1", "u2", "u3"]);
      await planned("inst-b", ["u1"]);
      expect(await store.claimOutbound(10, 999, 1000, [])).toEqual([]);
      const first = await store.claimOutbound(2, 1000, 1000, ["inst-b"]);
      expect(first).toHaveLength(2);
      expect(first.every((row) => row.installationUid === "inst-a")).toBe(true);
      expect(first[0]).toMatchObject({ direction: "personalize", attempt: 0, createdAt: 1000, request: { method: "PATCH" } });
      expect(first[0].eventIds).toHaveLength(1);
      const rest = await store.claimOutbound(10, 1000, 1000, []);
      expect(rest.map((row) => row.installationUid).sort()).toEqual(["inst-a", "inst-b"]);
      expect(await store.claimOutbound(10, 1500, 1000, [])).toEqual([]);
      const inFlight = await store.queryLog({ installationUid: "inst-a", statuses: ["in_flight"], limit: 10 });
      expect(inFlight).toHaveLength(3);
      const reclaimed = await store.claimOutbound(10, 2001, 1000, []);
      expect(reclaimed.map((row) => row.id).sort()).toEqual([...first, ...rest].map((row) => row.id).sort());
    });

    it("delivers a lane in order: each final outcome hands the lane to its next row and settles the event", async () => {
      await planned("inst-a", ["u1", "u1", "u1"]);
      const order: number[] = [];
      for (let step = 0; step < 3; step++) {
        const now = 3000 + step * 100;
        const claimed = await store.claimOutbound(10, now, 1000, []);
        expect(claimed).toHaveLength(1);
        order.push(claimed[0].id);
        await store.recordAttempt(claimed[0], delivered(7), now, "scheduled");
      }
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(await store.claimOutbound(10, 9000, 1000, [])).toEqual([]);
      const outbound = await rowsOf("inst-a", "personalize");
      expect(outbound.every((row) => row.status === "delivered" && row.httpStatus === 200 && row.latencyMs === 7 && row.attempt === 1)).toBe(true);
      const inbound = await rowsOf("inst-a", "inbound");
      expect(inbound.map((row) => [row.status, row.updatedAt])).toEqual([
        ["delivered", 3207],
        ["delivered", 3107],
        ["delivered", 3007],
      ]);
      expect(await store.getAttempts("inst-a", order[0])).toMatchObject([
        { logId: order[0], attempt: 1, startedAt: 3000, latencyMs: 7, httpStatus: 200, responseBody: "{}", error: null, trigger: "scheduled" },
      ]);
      expect(await store.getAttempts("inst-b", order[0])).toEqual([]);
    });

    it("keeps a retried row at the head of its lane, and moves on after a final failure", async () => {
      await planned("inst-a", ["u1", "u1"]);
      const [head] = await store.claimOutbound(10, 2000, 1000, []);
      await store.recordAttempt(head, retryAt(5000), 2000, "scheduled");
      expect(await store.claimOutbound(10, 4999, 1000, [])).toEqual([]);
      const [inbound] = await store.getLogRows("inst-a", head.eventIds);
      expect(inbound).toMatchObject({ status: "pending_retry" });
      expect((await store.getLogRows("inst-a", [head.id]))[0]).toMatchObject({ status: "pending_retry", nextAttemptAt: 5000, error: "HTTP 503", attempt: 1 });

      const [again] = await store.claimOutbound(10, 5000, 1000, []);
      expect(again).toMatchObject({ id: head.id, attempt: 1 });
      await store.recordAttempt(again, failed, 5000, "scheduled");
      expect((await store.getLogRows("inst-a", head.eventIds))[0]).toMatchObject({ status: "failed", error: "HTTP 400" });
      const [next] = await store.claimOutbound(10, 5006, 1000, []);
      expect(next.id).toBeGreaterThan(head.id);
      expect((await store.getAttempts("inst-a", head.id)).map((attempt) => [attempt.attempt, attempt.httpStatus])).toEqual([
        [1, 503],
        [2, 400],
      ]);
    });

    it("marks an attempt resent when the request's previous lease ran out (its process died holding it)", async () => {
      await planned("inst-a", ["u1"]);
      const [first] = await store.claimOutbound(10, 2000, 1000, []);
      expect(first.resent).toBe(false);
      const [again] = await store.claimOutbound(10, 3001, 1000, []);
      expect(again).toMatchObject({ id: first.id, resent: true });
      await store.recordAttempt(again, delivered(), 3001, "scheduled");
      expect(await store.getAttempts("inst-a", first.id)).toMatchObject([{ attempt: 1, resent: true }]);
    });

    it("counts unsettled work per installation: staged, queued, planned and awaiting a retry", async () => {
      await planned("inst-a", ["u1", "u2"]);
      await store.stageInbound("inst-a", [event("u3", "st-1"), event("u3", "st-2")], 1000);
      await store.acceptInbound("inst-b", [event("u1", "b-1")], 1000);
      expect([await store.unsettledBacklog("inst-a"), await store.unsettledBacklog("inst-b"), await store.unsettledBacklog()]).toEqual([4, 1, 5]);
      const [row] = await store.claimOutbound(1, 2000, 1000, ["inst-b"]);
      await store.recordAttempt(row, retryAt(9000), 2000, "scheduled");
      expect(await store.unsettledBacklog("inst-a")).toBe(4);
      const [retried] = await store.claimOutbound(1, 9000, 1000, ["inst-b"]);
      await store.recordAttempt(retried, delivered(), 9000, "scheduled");
      expect([await store.unsettledBacklog("inst-a"), await store.unsettledBacklog("inst-none")]).toEqual([3, 0]);
    });

    it("returns released rows to the queue, due now", async () => {
      await planned("inst-a", ["u1", "u2"]);
      const claimed = await store.claimOutbound(10, 2000, 60_000, []);
      await store.releaseOutbound(claimed.map((row) => row.id), 3000);
      const again = await store.claimOutbound(10, 3000, 60_000, []);
      expect(again.map((row) => row.id).sort()).toEqual(claimed.map((row) => row.id).sort());
    });

    it("re-queues failed rows of the asking installation only, reopening their events", async () => {
      await planned("inst-a", ["u1"]);
      const [row] = await store.claimOutbound(10, 2000, 1000, []);
      await store.recordAttempt(row, failed, 2000, "scheduled");
      expect(await store.retryOutbound("inst-b", [row.id], 3000)).toEqual([]);
      expect(await store.retryOutbound("inst-a", [row.id, row.eventIds[0], 999_999], 3000)).toEqual([row.id]);
      expect((await store.getLogRows("inst-a", row.eventIds))[0]).toMatchObject({ status: "processing" });
      const [again] = await store.claimOutbound(10, 3000, 1000, []);
      expect(again.id).toBe(row.id);
      await store.recordAttempt(again, delivered(), 3000, "manual");
      expect((await store.getLogRows("inst-a", row.eventIds))[0]).toMatchObject({ status: "delivered" });
      expect((await store.getAttempts("inst-a", row.id)).map((attempt) => attempt.trigger)).toEqual(["scheduled", "manual"]);
    });

    it("filters the log by every field, newest first, with pagination and id lists", async () => {
      const ids = await store.appendFinal(
        "inst-a",
        [
          { direction: "inbound", status: "rejected", eventType: "track", eventName: "Order", userId: "u1", messageId: "m1", httpStatus: 400, error: "Bad 50%_off" },
          { direction: "personalize", status: "failed", eventType: "attributes", userId: "u2", httpStatus: 503, error: "HTTP 503" },
          { direction: "segment", status: "delivered", eventType: "track", eventName: "Experiment Viewed", userId: "u1", httpStatus: 200 },
        ],
        1000,
      );
      const later = await store.appendFinal("inst-a", [{ direction: "inbound", status: "rejected", httpStatus: 401, error: "bad 50 off" }], 5000);
      await store.appendFinal("inst-b", [{ direction: "inbound", status: "rejected", userId: "u1" }], 1000);
      const query = async (filter: Record<string, unknown>) =>
        (await store.queryLog({ installationUid: "inst-a", limit: 100, ...filter })).map((row) => row.id);
      expect(await query({})).toEqual([later[0], ids[2], ids[1], ids[0]]);
      expect(await query({ directions: ["personalize", "segment"] })).toEqual([ids[2], ids[1]]);
      expect(await query({ statuses: ["failed", "delivered"] })).toEqual([ids[2], ids[1]]);
      expect(await query({ eventType: "track" })).toEqual([ids[2], ids[0]]);
      expect(await query({ eventName: "Order" })).toEqual([ids[0]]);
      expect(await query({ userId: "u1" })).toEqual([ids[2], ids[0]]);
      expect(await query({ messageId: "m1" })).toEqual([ids[0]]);
      expect(await query({ httpStatus: 503 })).toEqual([ids[1]]);
      expect(await query({ httpStatusClass: 4 })).toEqual([later[0], ids[0]]);
      expect(await query({ errorText: "50%_" })).toEqual([ids[0]]);
      expect(await query({ errorText: "BAD" })).toEqual([later[0], ids[0]]);
      expect(await query({ from: 1000, to: 5000 })).toEqual([ids[2], ids[1], ids[0]]);
      expect(await query({ from: 5000 })).toEqual([later[0]]);
      expect(await query({ beforeId: ids[2] })).toEqual([ids[1], ids[0]]);
      expect(await query({ ids: [ids[0], later[0]] })).toEqual([later[0], ids[0]]);
      expect(await query({ ids: [] })).toEqual([]);
      expect(await query({ limit: 2 })).toEqual([later[0], ids[2]]);
    });

    it("aggregates counts, time buckets and p95 latencies over a window", async () => {
      await planned("inst-a", ["u1", "u2"], 1000);
      const claimed = await store.claimOutbound(10, 1000, 1000, []);
      await store.recordAttempt(claimed[0], delivered(50), 1100, "scheduled");
      await store.recordAttempt(claimed[1], delivered(70), 2100, "scheduled");
      await store.appendFinal("inst-a", [{ direction: "inbound", status: "rejected", error: "bad" }], 2500);
      const aggregates = await store.aggregateLog({ installationUid: "inst-a", from: 0, to: 10_000 }, 1000);
      const sortCounts = <T extends { direction: string; status: string }>(rows: T[]) =>
        [...rows].sort((a, b) => `${a.direction}${a.status}`.localeCompare(`${b.direction}${b.status}`));
      expect(sortCounts(aggregates.counts)).toEqual([
        { direction: "inbound", status: "delivered", count: 2 },
        { direction: "inbound", status: "rejected", count: 1 },
        { direction: "personalize", status: "delivered", count: 2 },
      ]);
      expect(aggregates.buckets.filter((bucket) => bucket.start === 2000)).toEqual([{ start: 2000, direction: "inbound", status: "rejected", count: 1 }]);
      expect(aggregates.requestLatencyP95).toBe(70);
      expect(aggregates.deliveryP95).toBe(1170);
      expect(aggregates.requestLatencyP95ByBucket).toEqual([{ start: 1000, p95: 70 }]);
      const empty = await store.aggregateLog({ installationUid: "inst-a", from: 50_000, to: 60_000 }, 1000);
      expect(empty).toEqual({ counts: [], buckets: [], requestLatencyP95: null, requestLatencyP95ByBucket: [], deliveryP95: null });
    });

    it("groups the most frequent errors with their newest rows, and reports the log's extent", async () => {
      const rejected = (error: string) => ({ direction: "inbound" as const, status: "rejected" as const, error });
      const ids = await store.appendFinal("inst-a", [rejected("a"), rejected("b"), rejected("a"), rejected("a")], 1000);
      await store.appendFinal("inst-a", [{ direction: "inbound", status: "filtered", error: "a" }], 1000);
      const window = { installationUid: "inst-a", from: 0, to: 2000 };
      expect(await store.groupErrors(window, ["rejected"], 10, 2)).toEqual([
        { error: "a", count: 3, lastSeenAt: 1000, sampleIds: [ids[3], ids[2]] },
        { error: "b", count: 1, lastSeenAt: 1000, sampleIds: [ids[1]] },
      ]);
      expect(await store.groupErrors(window, ["rejected"], 1, 1)).toHaveLength(1);
      expect(await store.groupErrors(window, [], 10, 2)).toEqual([]);
      expect(await store.logExtent("inst-a")).toEqual({ rows: 5, oldestAt: 1000 });
      expect(await store.logExtent("inst-none")).toEqual({ rows: 0, oldestAt: null });
    });

    it("prunes by age and row cap, never unsettled rows, and forgets old messageIds", async () => {
      const day = 86_400_000;
      await store.saveInstallation(installationFor("inst-a", { days: 1, maxRows: 1000 }), null);
      await store.acceptInbound("inst-a", [event("u1", "old-queued")], 0);
      const old = await store.appendFinal("inst-a", [{ direction: "inbound", status: "rejected", error: "old" }], 0);
      await store.appendFinal("inst-a", Array.from({ length: 1010 }, () => ({ direction: "inbound" as const, status: "rejected" as const })), 2 * day);
      await store.saveInstallation(installationFor("inst-b", { days: 1, maxRows: 1000 }), null);
      await store.appendFinal("inst-b", [{ direction: "inbound", status: "rejected" }], 0);

      const now = 2 * day + 1000;
      const removed = await store.prune(now);
      expect(removed).toBe(1 + 10 + 1);
      expect(await store.getLogRows("inst-a", old)).toEqual([]);
      expect((await store.queryLog({ installationUid: "inst-a", statuses: ["queued"], limit: 10 })).map((row) => row.messageId)).toEqual([
        "old-queued",
      ]);
      expect((await store.logExtent("inst-a")).rows).toBe(1001);

      await store.acceptInbound("inst-c", [event("u1", "k")], now);
      await store.prune(now + DEDUPLICATION_WINDOW_MS - 1);
      expect((await store.acceptInbound("inst-c", [event("u1", "k")], now)).duplicates).toBe(1);
      await store.prune(now + DEDUPLICATION_WINDOW_MS + 1);
      expect((await store.acceptInbound("inst-c", [event("u1", "k")], now)).duplicates).toBe(0);
    });

    it("brings an installation back within its row cap in one pass, however far over it is", async () => {
      await store.saveInstallation(installationFor("inst-a", { days: 30, maxRows: 100 }), null);
      const rejected = Array.from({ length: 4000 }, () => ({ direction: "inbound" as const, status: "rejected" as const }));
      for (let batch = 0; batch < 3; batch++) await store.appendFinal("inst-a", rejected, 1000);
      expect(await store.prune(2000)).toBe(12_000 - 100);
      expect((await store.logExtent("inst-a")).rows).toBe(100);
    });

    it("removes the attempts of pruned rows", async () => {
      await store.saveInstallation(installationFor("inst-a", { days: 1, maxRows: 1000 }), null);
      await store.acceptInbound("inst-a", [event("u1", "m1")], 0);
      await planNextBatch(store, 10, 0, inOneGo(planEach));
      const [row] = await store.claimOutbound(10, 0, 1000, []);
      await store.recordAttempt(row, delivered(), 0, "scheduled");
      expect(await store.getAttempts("inst-a", row.id)).toHaveLength(1);
      expect(await store.prune(2 * 86_400_000)).toBe(2);
      expect(await store.getAttempts("inst-a", row.id)).toEqual([]);
    });

    it("deletes an installation with every row that belongs to it", async () => {
      await planned("inst-a", ["u1"]);
      await store.saveInstallation(installationFor("inst-a"), "hash-a");
      const [row] = await store.claimOutbound(10, 2000, 1000, []);
      await store.recordAttempt(row, delivered(), 2000, "scheduled");
      await planned("inst-b", ["u1"]);
      await store.deleteInstallation("inst-a");
      expect(await store.getInstallation("inst-a")).toBeNull();
      expect(await store.findInstallationByWriteKeyHash("hash-a")).toBeNull();
      expect(await store.queryLog({ installationUid: "inst-a", limit: 10 })).toEqual([]);
      expect(await store.getAttempts("inst-a", row.id)).toEqual([]);
      expect(await store.acceptInbound("inst-a", [event("u1", "inst-a-u1-0")], 3000)).toEqual({ accepted: 1, duplicates: 0 });
      expect(await store.queryLog({ installationUid: "inst-b", limit: 10 })).toHaveLength(2);
    });

    it("tells change listeners which rows changed, for every write", async () => {
      const notices: ChangeNotice[] = [];
      const unsubscribe = store.onChange((notice) => notices.push(notice));
      const changed = (uid: string) => new Set(notices.filter((notice) => notice.installationUid === uid).flatMap((notice) => notice.ids));
      const waitFor = (uid: string, ids: number[]) => eventually(() => ids.every((id) => changed(uid).has(id)), 5000, 10);

      await store.saveInstallation(installationFor("inst-a"), null);
      await store.acceptInbound("inst-a", [event("u1", "m1")], 1000);
      const [accepted] = await rowsOf("inst-a", "inbound");
      await waitFor("inst-a", [accepted.id]);
      const final = await store.appendFinal("inst-b", [{ direction: "inbound", status: "rejected" }], 1000);
      await waitFor("inst-b", final);
      await planNextBatch(store, 10, 1000, inOneGo(planEach));
      const [outbound] = await rowsOf("inst-a", "personalize");
      await waitFor("inst-a", [outbound.id]);
      const [claimed] = await store.claimOutbound(10, 1000, 1000, []);
      notices.length = 0;
      await store.recordAttempt(claimed, failed, 1000, "scheduled");
      await waitFor("inst-a", [claimed.id, accepted.id]);
      notices.length = 0;
      await store.retryOutbound("inst-a", [claimed.id], 2000);
      await waitFor("inst-a", [claimed.id, accepted.id]);
      expect(changed("inst-b").size).toBe(0);

      unsubscribe();
      notices.length = 0;
      // A listener still subscribed shows when the notice has gone out; the unsubscribed one must not have had it.
      const witnessed: ChangeNotice[] = [];
      const stopWitness = store.onChange((notice) => witnessed.push(notice));
      const [rejected] = await store.appendFinal("inst-a", [{ direction: "inbound", status: "rejected" }], 3000);
      await eventually(() => witnessed.some((notice) => notice.ids.includes(rejected!)), 5000, 10);
      stopWitness();
      expect(notices).toEqual([]);
    });

    it("keeps everything across a reopen, migrating only once", async () => {
      await store.saveInstallation(installationFor("inst-a"), "hash-a");
      await planned("inst-a", ["u1"]);
      await store.close();
      const reopened = await open();
      expect((await reopened.getInstallation("inst-a"))?.uid).toBe("inst-a");
      expect(await reopened.queryLog({ installationUid: "inst-a", limit: 10 })).toHaveLength(2);
      expect((await reopened.acceptInbound("inst-a", [event("u1", "inst-a-u1-0")], 5000)).duplicates).toBe(1);
      expect(await reopened.claimOutbound(10, 5000, 1000, [])).toHaveLength(1);
    });
  });
}
