/** Waiting for the delivery queue to empty: no inbound event or outbound request of these installations left open. */
import type { LogStatus, Store } from "../store/types.ts";

export const OPEN_STATUSES: LogStatus[] = ["queued", "processing", "pending_retry", "pending", "in_flight"];
const POLL_MS = 100;

/** Resolves true once nothing is open, false if something still is after `timeoutMs`. */
export async function waitForDrain(store: Store, installationUids: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await Promise.all(installationUids.map((installationUid) => store.queryLog({ installationUid, statuses: OPEN_STATUSES, limit: 1 })));
    if (open.every((rows) => rows.length === 0)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
