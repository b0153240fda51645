/**
 * SQLite commits a large plan a part at a time: ingest that arrives while a plan is written waits for one part,
 * not for the whole plan.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { configurationSchema, serverConfigurationSchema } from "../../src/shared/installation-config.ts";
import { planNextBatch } from "../delivery/plan-step.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { inOneGo } from "../testing/planning.ts";
import { PLAN_PART_EVENTS } from "./plan-rows.ts";
import { openSqliteStore, type SqliteStore } from "./sqlite-store.ts";
import type { InboundEvent } from "./types.ts";

const dir = mkdtempSync(join(tmpdir(), "sqlite-plan-parts-"));
let store: SqliteStore | null = null;
afterEach(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (userId: string, messageId: string): InboundEvent => ({
  messageId,
  userId,
  eventType: "identify",
  eventName: null,
  payload: { type: "identify", userId, messageId },
  detail: {},
});

it("commits a plan of many users a part at a time, ingest accepted between the parts", async () => {
  store = openSqliteStore(join(dir, "sync.db"), createSecretBox(parseSecretKeys(generateSecretKeySpec())));
  const configuration = configurationSchema.parse({});
  await store.saveInstallation(
    { uid: "inst", stackApiKey: "blt", organizationUid: "org", appUid: "app", configuration, serverConfiguration: serverConfigurationSchema.parse({}), createdAt: 1, updatedAt: 1 },
    null,
  );
  const users = Array.from({ length: PLAN_PART_EVENTS * 3 }, (_, i) => `u${i}`);
  await store.acceptInbound("inst", users.map((user) => event(user, `m-${user}`)), 1000);

  // What the store reports, in order: each plan part's rows, and one event accepted on every turn of the event loop.
  const notices: Array<"plan part" | "accepted"> = [];
  let accepting = false;
  store.onChange(() => notices.push(accepting ? "accepted" : "plan part"));
  let planning = true;
  const acceptEachTurn = async () => {
    for (let turn = 0; planning; turn += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      accepting = true;
      await store!.acceptInbound("inst", [event("late", `late-${turn}`)], 2000);
      accepting = false;
    }
  };
  const interleaving = acceptEachTurn();
  const planned = await planNextBatch(store, users.length, 1500, inOneGo((events) => ({
    inbound: events.map((queued) => ({ id: queued.id, status: "processing", userId: String(queued.payload.userId), error: null, detail: {}, openRequests: 1 })),
    outbound: events.map((queued) => ({
      installationUid: "inst",
      direction: "personalize",
      userId: String(queued.payload.userId),
      eventType: "attributes",
      eventName: null,
      messageId: null,
      request: { method: "PATCH", url: "http://edge.test/user-attributes", headers: {}, body: "{}" },
      eventIds: [queued.id],
      detail: {},
    })),
    userStates: [],
  })));
  planning = false;
  await interleaving;
  expect(planned).toBe(users.length);

  const parts = notices.flatMap((notice, index) => (notice === "plan part" ? [index] : []));
  expect(parts.length).toBe(3);
  expect(notices.slice(parts[0], parts[2]).filter((notice) => notice === "accepted").length).toBeGreaterThanOrEqual(2);
});
