/**
 * (c) The bare relay (relay.ts) in its own process, under the same ingest load as the pipeline: delivered when the
 * emulator has received one PATCH per event.
 */
import { fileURLToPath } from "node:url";
import type { PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { eventually, TEST_PROJECT_UID } from "../testing/harness.ts";
import { edgeFailures, edgeRequests } from "./bench-emulator.ts";
import { forkBenchProcess } from "./bench-process.ts";
import type { PreparedStream, StreamRun, SystemRun } from "./comparison.ts";
import { postBatches } from "./tracking-load.ts";

export async function runRelay(personalize: PersonalizeEmulator, streams: PreparedStream[], deliveryTimeoutMs: number): Promise<SystemRun> {
  const relay = await forkBenchProcess<{ url: string }>(fileURLToPath(new URL("./relay.ts", import.meta.url)), {
    RELAY_EDGE_URL: personalize.url,
    RELAY_PROJECT_UID: TEST_PROJECT_UID,
  });
  try {
    const runs: StreamRun[] = [];
    for (const stream of streams) {
      personalize.reset();
      const cpuBefore = relay.cpuMs();
      const ingest = await postBatches(relay.ready.url, stream.bodies, "the-relay-checks-no-key");
      const expected = stream.messages.length;
      await eventually(() => edgeRequests(personalize) >= expected, deliveryTimeoutMs, 10).catch(() => {
        throw new Error(`(c) ${stream.kind}: the emulator received ${edgeRequests(personalize)} of ${expected} PATCHes`);
      });
      const deliveredMs = performance.now() - ingest.startedAt;
      const cpuMs = relay.cpuMs() - cpuBefore;
      if (edgeFailures(personalize) > 0) throw new Error(`(c) ${stream.kind}: Edge failures ${edgeFailures(personalize)}`);
      runs.push({ kind: stream.kind, events: expected, ingest, deliveredMs, edgeCalls: edgeRequests(personalize), cpuMs });
    }
    return { streams: runs, peakRssMb: relay.peakRssMb() };
  } finally {
    await relay.stop();
  }
}
