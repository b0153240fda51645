/**
 * The crash scenario: a long stream sent by analytics-node while the server process is killed with SIGKILL at
 * seeded random moments and started again each time on the same port and SQLite file. Every event analytics-node
 * saw acknowledged must be stored and reach Personalize; duplicates (resends after a kill) are counted, not hidden.
 */
import { startProcessStack } from "../testing/process-stack.ts";
import { seededRandom } from "../testing/seeded-random.ts";
import { waitForDrain } from "./drain.ts";
import { scanLogs, type LogScan } from "./secret-leaks.ts";
import { STREAM_CONFIGURATION, createEventSource, sendWithAnalytics, type StreamVerdict, verifyStream } from "./event-stream.ts";

export interface CrashOptions {
  events: number;
  kills: number;
  eventsPerSecond: number;
  users: number;
  seed: number;
}

export interface CrashResult {
  kills: number;
  /** Seconds into the stream at which each SIGKILL landed, and how long each restart took. */
  killedAtSeconds: number[];
  restartSeconds: number[];
  unacked: number;
  verdict: StreamVerdict;
  drainSeconds: number;
  /** Exits nobody asked for. */
  crashes: number;
  logScan: LogScan;
}

export async function runCrashLoop(options: CrashOptions): Promise<CrashResult> {
  const stack = await startProcessStack({
    // A short timeout keeps the lease (3 × timeout) short, so requests in flight at a kill are resent soon.
    env: { DELIVERY_TIMEOUT_MS: "1000", DELIVERY_RETRY_BASE_MS: "100", LOG_LEVEL: "debug" },
    recordLimit: 1_000_000,
  });
  try {
    const installation = await stack.install({ configuration: STREAM_CONFIGURATION });
    const random = seededRandom(options.seed);
    const streamSeconds = options.events / options.eventsPerSecond;
    const killTimes = Array.from({ length: options.kills }, () => streamSeconds * (0.1 + 0.8 * random())).sort((a, b) => a - b);
    const killedAtSeconds: number[] = [];
    const restartSeconds: number[] = [];
    const started = performance.now();

    const killer = (async () => {
      for (const at of killTimes) {
        const wait = at * 1000 - (performance.now() - started);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        killedAtSeconds.push((performance.now() - started) / 1000);
        const restartStarted = performance.now();
        await stack.restart({ signal: "SIGKILL" });
        restartSeconds.push((performance.now() - restartStarted) / 1000);
      }
    })();
    const sent = sendWithAnalytics({
      url: stack.url,
      writeKey: installation.writeKey,
      source: createEventSource("crash", options.users),
      total: options.events,
      eventsPerSecond: options.eventsPerSecond,
      flushAt: 50,
    });
    const [{ acked, failed }] = await Promise.all([sent, killer]);

    const store = await stack.openStore();
    try {
      const drainStarted = performance.now();
      await waitForDrain(store, [installation.uid], 180_000);
      return {
        kills: killedAtSeconds.length,
        killedAtSeconds,
        restartSeconds,
        unacked: failed,
        verdict: await verifyStream(stack.personalize, store, installation.uid, acked),
        drainSeconds: (performance.now() - drainStarted) / 1000,
        crashes: stack.crashes(),
        logScan: scanLogs(stack),
      };
    } finally {
      await store.close();
    }
  } finally {
    await stack.close();
  }
}
