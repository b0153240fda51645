/**
 * One planning step, the delivery side of it: read the oldest unplanned events from the queue, plan them (the
 * planner: pure mapping and coalescing) and hand the queue the plan, which it commits in one transaction. The
 * clocks of the users the events name are read up front; should the planner ask for another, it runs again with
 * that one too.
 */
import type { DeliveryQueue, PlanLookups, PlanResult, QueuedInbound } from "../store/types.ts";

export type Plan = (events: QueuedInbound[], lookups: PlanLookups) => PlanResult;

/** Returns how many events were planned (0: none waiting, or another process planned them). */
export async function planNextBatch(queue: DeliveryQueue, limit: number, now: number, plan: Plan): Promise<number> {
  const batch = await queue.nextPlanningBatch(limit);
  if (!batch) return 0;
  try {
    await batch.readClocks(namedUsers(batch.events));
    for (;;) {
      const missing = new Map<string, readonly [string, string]>();
      const result = plan(batch.events, {
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
