/** Waiting for the delivery queue to empty: no inbound event or outbound request of these installations left open. */
import type { Store } from "../store/types.ts";
import { drained } from "../testing/harness.ts";

const POLL_MS = 100;

/** Resolves true once nothing is open, false if something still is after `timeoutMs`. */
export async function waitForDrain(store: Store, installationUids: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await Promise.all(installationUids.map((installationUid) => drained(store, installationUid)));
    if (done.every(Boolean)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
