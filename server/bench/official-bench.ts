/**
 * (b) Segment's Contentstack Cloud destination (official-destination.ts) in its own process, on the same streams:
 * delivered when every onEvent call has resolved, i.e. every PATCH has been answered.
 */
import { fileURLToPath } from "node:url";
import type { PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { TEST_PROJECT_UID } from "../testing/harness.ts";
import { edgeFailures, edgeRequests } from "./bench-emulator.ts";
import { forkBenchProcess } from "./bench-process.ts";
import type { PreparedStream, StreamRun, SystemRun } from "./comparison.ts";
import type { OfficialRunReply, OfficialRunRequest } from "./official-destination.ts";

/** Events in progress at once; Segment runs many in parallel, per destination and in total. */
export const OFFICIAL_CONCURRENCY = 64;

export async function runOfficial(personalize: PersonalizeEmulator, streams: PreparedStream[]): Promise<SystemRun> {
  const official = await forkBenchProcess(fileURLToPath(new URL("./official-destination.ts", import.meta.url)), {
    OFFICIAL_EDGE_URL: personalize.url,
    OFFICIAL_PROJECT_UID: TEST_PROJECT_UID,
    OFFICIAL_CONCURRENCY: String(OFFICIAL_CONCURRENCY),
  });
  try {
    const runs: StreamRun[] = [];
    for (const stream of streams) {
      personalize.reset();
      const request: OfficialRunRequest = { kind: stream.kind, count: stream.messages.length };
      const reply = await official.request<OfficialRunReply>(request);
      if (reply.failures > 0 || edgeFailures(personalize) > 0) {
        throw new Error(`(b) ${stream.kind}: ${reply.failures} events failed (${reply.firstFailure}), Edge failures ${edgeFailures(personalize)}`);
      }
      runs.push({
        kind: stream.kind,
        events: stream.messages.length,
        ingest: null,
        deliveredMs: reply.elapsedMs,
        edgeCalls: edgeRequests(personalize),
        cpuMs: reply.cpuMs,
      });
    }
    return { streams: runs, peakRssMb: official.peakRssMb() };
  } finally {
    await official.stop();
  }
}
