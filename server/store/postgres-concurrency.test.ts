/**
 * What only PostgreSQL has to get right: several processes (here: several stores, each with its own pool and
 * LISTEN connection) sharing one database.
 */
import pg from "pg";
import { afterEach, beforeEach, expect, it } from "vitest";
import { configurationSchema, serverConfigurationSchema } from "../../src/shared/installation-config.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { eventually } from "../testing/harness.ts";
import { createTestSchema } from "../testing/postgres.ts";
import { describePostgres, usePostgresDatabase } from "../testing/postgres-suite.ts";
import { MIGRATIONS } from "./migrations.ts";
import { openPostgresStore, type PostgresStore } from "./postgres-store.ts";
import type { ChangeNotice, ClaimedOutbound, PlanLookups, PlanningBatch, PlanResult, QueuedInbound } from "./types.ts";
import { planNextBatch } from "../delivery/plan-step.ts";
import { inOneGo } from "../testing/planning.ts";

const secrets = createSecretBox(parseSecretKeys(generateSecretKeySpec()));
const INSTALLATION = "inst-a";

/** One request per event, in the lane of its user. */
function planEach(events: QueuedInbound[], lookups: PlanLookups): PlanResult {
  return {
    inbound: events.map((queued) => ({
      id: queued.id,
      status: "processing",
      userId: String(queued.payload.userId),
      error: null,
      detail: {},
      openRequests: 1,
    })),
    outbound: events.map((queued) => ({
      installationUid: queued.installationUid,
      direction: "personalize",
      userId: String(queued.payload.userId),
      eventType: "attributes",
      eventName: null,
      messageId: null,
      request: { method: "PATCH", url: "http://edge.test/", headers: {}, body: String(queued.payload.seq) },
      eventIds: [queued.id],
      detail: {},
    })),
    userStates: events.map((queued) => ({
      installationUid: queued.installationUid,
      userId: String(queued.payload.userId),
      attributeClock: lookups.attributeClock(queued.installationUid, String(queued.payload.userId)),
    })),
  };
}

describePostgres("PostgreSQL store: several processes on one database", () => {
  const database = usePostgresDatabase();
  let url: string;
  const stores: PostgresStore[] = [];
  const open = async () => {
    const store = await openPostgresStore(url, secrets);
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    url = await createTestSchema(database.url);
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  const accept = async (store: PostgresStore, users: number, seq: number) => {
    const events = Array.from({ length: users }, (_, user) => ({
      messageId: `m-${user}-${seq}`,
      userId: `u${user}`,
      eventType: "identify",
      eventName: null,
      payload: { userId: `u${user}`, seq },
      detail: {},
    }));
    await store.acceptInbound(INSTALLATION, events, Date.now());
  };
  const setUp = async (store: PostgresStore) =>
    store.saveInstallation(
      {
        uid: INSTALLATION,
        stackApiKey: "blt",
        organizationUid: "org",
        appUid: "app",
        configuration: configurationSchema.parse({}),
        serverConfiguration: serverConfigurationSchema.parse({}),
        createdAt: 0,
        updatedAt: 0,
      },
      null,
    );

  it("migrates once when several processes start together", async () => {
    await Promise.all(Array.from({ length: 4 }, open));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT version FROM schema_migrations ORDER BY version");
    await client.end();
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
  });

  it("shares due rows between claiming processes, never handing one row to two of them", async () => {
    const [first, ...others] = await Promise.all(Array.from({ length: 3 }, open));
    await setUp(first);
    await accept(first, 600, 1);
    while ((await planNextBatch(first, 250, Date.now(), inOneGo(planEach))) > 0);
    const claimedBy = await Promise.all(
      [first, ...others].map(async (store) => {
        const ids: number[] = [];
        for (;;) {
          const rows = await store.claimOutbound(16, Date.now(), 60_000, []);
          if (rows.length === 0) return ids;
          ids.push(...rows.map((row) => row.id));
        }
      }),
    );
    const all = claimedBy.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(600);
    expect(claimedBy.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
  });

  it("plans every event exactly once while several processes plan at the same time", async () => {
    const planners = await Promise.all(Array.from({ length: 3 }, open));
    await setUp(planners[0]);
    for (let seq = 0; seq < 5; seq++) await accept(planners[0], 200, seq);
    const plannedBy = planners.map(() => [] as number[]);
    await Promise.all(
      planners.map(async (store, index) => {
        const queued = async () =>
          (await store.queryLog({ installationUid: INSTALLATION, directions: ["inbound"], statuses: ["queued"], limit: 1 })).length > 0;
        while (await queued()) {
          await planNextBatch(store, 100, Date.now(), inOneGo((events, lookups) => {
            plannedBy[index].push(...events.map((queued) => queued.id));
            return planEach(events, lookups);
          }));
        }
      }),
    );
    const all = plannedBy.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(1000);
    const heads = await planners[0].queryLog({ installationUid: INSTALLATION, directions: ["personalize"], limit: 2000 });
    const headsPerUser = new Map<string, number>();
    for (const row of heads) if (row.nextAttemptAt !== null) headsPerUser.set(row.userId!, (headsPerUser.get(row.userId!) ?? 0) + 1);
    expect(headsPerUser.size).toBe(200);
    expect([...headsPerUser.values()].every((count) => count === 1)).toBe(true);
  });

  it("lets processes plan disjoint users at the same time, each user's events in one batch", async () => {
    const [first, second] = await Promise.all([open(), open()]);
    await setUp(first);
    // Planning with nothing queued makes `second` a planner; `first` then counts two and takes only its share.
    expect(await second.nextPlanningBatch(1000)).toBeNull();
    for (let seq = 0; seq < 3; seq++) await accept(first, 40, seq);
    const batches = [await first.nextPlanningBatch(1000), await second.nextPlanningBatch(1000)];
    expect(batches.every((batch) => batch !== null && batch.events.length > 0)).toBe(true);
    const usersOf = (batch: PlanningBatch | null) => new Set(batch!.events.map((queued) => String(queued.payload.userId)));
    const [firstUsers, secondUsers] = batches.map(usersOf);
    expect([...firstUsers].filter((user) => secondUsers.has(user))).toEqual([]);
    expect(firstUsers.size + secondUsers.size).toBe(40);
    const planOf = (batch: PlanningBatch) => planEach(batch.events, { installation: batch.installation, attributeClock: () => ({}) });
    await Promise.all(batches.map((batch) => batch!.commit(planOf(batch!), Date.now())));
    const outbound = await first.queryLog({ installationUid: INSTALLATION, directions: ["personalize"], limit: 1000 });
    expect(outbound).toHaveLength(120);
    for (let user = 0; user < 40; user++) {
      const lane = outbound.filter((row) => row.userId === `u${user}`).sort((a, b) => a.id - b.id);
      expect(lane.map((row) => row.nextAttemptAt !== null)).toEqual([true, false, false]);
      expect(lane.map((row) => (row.payload as { body: string }).body)).toEqual(["0", "1", "2"]);
    }
  });

  it("never strands a lane when a worker closes its head while a planner extends it, and keeps each lane in order", async () => {
    const [planner, ...workers] = await Promise.all(Array.from({ length: 3 }, open));
    await setUp(planner);
    const users = 20;
    const rounds = 40;
    const deliveredSeqs = new Map<string, number[]>();
    let accepting = true;
    const planning = (async () => {
      for (let seq = 0; seq < rounds; seq++) {
        await accept(planner, users, seq);
        await planNextBatch(planner, 1000, Date.now(), inOneGo(planEach));
      }
      accepting = false;
    })();
    const deliver = async (store: PostgresStore) => {
      const record = async (row: ClaimedOutbound) => {
        const seqs = deliveredSeqs.get(row.userId) ?? [];
        seqs.push(Number(row.request.body));
        deliveredSeqs.set(row.userId, seqs);
        await store.recordAttempt(row, { status: "delivered", httpStatus: 200, latencyMs: 0, responseBody: "" }, Date.now(), "scheduled");
      };
      let idleSince = Date.now();
      while (accepting || Date.now() - idleSince < 500) {
        const rows = await store.claimOutbound(8, Date.now(), 60_000, []);
        if (rows.length) idleSince = Date.now();
        await Promise.all(rows.map(record));
      }
    };
    await Promise.all([planning, ...workers.map(deliver)]);

    const unsettled = await planner.queryLog({
      installationUid: INSTALLATION,
      statuses: ["queued", "pending", "pending_retry", "in_flight"],
      limit: 10,
    });
    expect(unsettled).toEqual([]);
    for (let user = 0; user < users; user++) {
      expect(deliveredSeqs.get(`u${user}`)).toEqual(Array.from({ length: rounds }, (_, seq) => seq));
    }
  }, 60_000);

  it("tells every process's change listeners about a row written by any of them, in payloads under the limit", async () => {
    const [writer, reader] = await Promise.all([open(), open()]);
    const seen = new Set<number>();
    reader.onChange((notice: ChangeNotice) => {
      if (notice.installationUid === INSTALLATION) for (const id of notice.ids) seen.add(id);
    });
    const ids = await writer.appendFinal(
      INSTALLATION,
      Array.from({ length: 3000 }, () => ({ direction: "inbound" as const, status: "rejected" as const })),
      Date.now(),
    );
    await eventually(() => ids.every((id) => seen.has(id)), 5000, 20);
  });
});
