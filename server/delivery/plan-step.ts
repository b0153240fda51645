/**
 * One planning step, the delivery side of it: read the oldest unplanned events from the queue, plan them (the
 * planner: pure mapping and coalescing) and hand the queue the plan to commit. A batch is mapped a chunk at a
 * time with the event loop turning between chunks, so that planning a deep queue delays no ingest acknowledgement
 * by more than one chunk's work. The clocks of the users the events name are read up front; should the planner
 * ask for another, it assembles again with that one too.
 */
import { nextTurn } from "../event-loop.ts";
import type { DeliveryQueue, Installation, PlanLookups, PlanResult, QueuedInbound } from "../store/types.ts";

/** A planner in two pure phases: `map` events one chunk at a time, then `assemble` the whole batch's plan. */
export interface Planner<Mapped> {
  map(events: QueuedInbound[], installation: (uid: string) => Installation | null): Mapped[];
  assemble(mapped: Mapped[], lookups: PlanLookups): PlanResult;
}

/** Events mapped per turn of the event loop (about 10 µs each). */
const MAP_CHUNK_EVENTS = 250;

/** Returns how many events were planned (0: none waiting, or another process planned them). */
export async function planNextBatch<Mapped>(queue: DeliveryQueue, limit: number, now: number, planner: Planner<Mapped>): Promise<number> {
  const batch = await queue.nextPlanningBatch(limit);
  if (!batch) return 0;
  try {
    const mapped: Mapped[] = [];
    for (let start = 0; start < batch.events.length; start += MAP_CHUNK_EVENTS) {
      if (start > 0) await nextTurn();
      mapped.push(...planner.map(batch.events.slice(start, start + MAP_CHUNK_EVENTS), batch.installation));
    }
    await batch.readClocks(namedUsers(batch.events));
    for (;;) {
      const missing = new Map<string, readonly [string, string]>();
      const result = planner.assemble(mapped, {
        installation: (uid) => batch.installation(uid),
        attributeClock: (installationUid, userId) => {
          const clock = batch.attributeClock(installationUid, userId);
          if (clock === undefined) missing.set(`${installationUid}\u0000${userId}`, [installationUid, userId]);
          return clock ?? {};
        },
      });
      if (missing.size === 0) return await batch.commit(result, now);
      await batch.readClocks([...missing.values()]);
    }
  } catch (error) {
    await batch.release();
    throw error;
  }
}

/** The users an event names (its userId and anonymousId), once each. */
function namedUsers(events: QueuedInbound[]): Array<readonly [string, string]> {
  const users = new Map<string, readonly [string, string]>();
  for (const event of events) {
    for (const id of [event.payload.userId, event.payload.anonymousId]) {
      if (typeof id !== "string" && typeof id !== "number") continue;
      users.set(`${event.installationUid}\u0000${id}`, [event.installationUid, String(id)]);
    }
  }
  return [...users.values()];
}
