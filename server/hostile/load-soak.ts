/**
 * The load scenario, on loopback. Steady: a fixed-rate open-loop mix of signed webhook batches and /v1/batch
 * requests for a few minutes, with ack latency timed from each request's scheduled moment (so a stalled server
 * cannot hide its queueing), and every second the backlog, RSS and /healthz latency. Overload: the same mix faster
 * than a slowed Personalize can absorb, with a low INGEST_MAX_BACKLOG, to see whether ingest pushes back
 * (429/503 with Retry-After) before ack latency degrades. Every acked event must still be delivered afterwards.
 */
import { loadavg } from "node:os";
import { Pool } from "undici";
import { percentile } from "../bench/tracking-load.ts";
import { processMemory } from "../testing/server-process.ts";
import { startProcessStack, type ProcessStack } from "../testing/process-stack.ts";
import type { TestInstallation } from "../testing/harness.ts";
import { openBacklogProbe } from "./backlog-probe.ts";
import { JSON_HEADERS, basicAuth, webhookSignature } from "./corpus-context.ts";
import { waitForDrain } from "./drain.ts";
import { scanLogs, type LogScan } from "./secret-leaks.ts";
import { STREAM_CONFIGURATION, createEventSource, verifyStream, type AckedEvents, type StreamVerdict } from "./event-stream.ts";

export interface LoadOptions {
  steadySeconds: number;
  requestsPerSecond: number;
  eventsPerRequest: number;
  users: number;
  overloadSeconds: number;
  overloadRequestsPerSecond: number;
}

export interface LoadSample {
  second: number;
  requests: number;
  ackP99Ms: number | null;
  queued: number;
  undelivered: number;
  rssMb: number;
  healthzMs: number;
}

export interface PhaseResult {
  requests: number;
  events: number;
  statuses: Record<string, number>;
  ackP50Ms: number;
  ackP95Ms: number;
  ackP99Ms: number;
  ackMaxMs: number;
  samples: LoadSample[];
  rssStartMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  /** The machine's 1-minute load average at the start and end: other work on the same cores skews every figure. */
  machineLoad: { start: number; end: number };
  undeliveredPeak: number;
  /** 429 or 503 answers that carried Retry-After, and the second of the phase in which the first came. */
  pushedBack: number;
  firstPushBackSecond: number | null;
  verdict: StreamVerdict;
}

export interface OverloadResult extends PhaseResult {
  /** The worst per-second ack p99 before the first push-back. */
  ackP99BeforePushBackMs: number | null;
  engaged: boolean;
  /** Whether the undelivered backlog stayed near INGEST_MAX_BACKLOG, as push-back should keep it. */
  bounded: boolean;
}

export interface LoadResult {
  steady: PhaseResult;
  overload: OverloadResult;
  crashes: number;
  logScan: LogScan;
}

/** Well above what arrives between two backlog reads (250 ms) at the overload rate, so only a real backlog trips it. */
export const OVERLOAD_MAX_BACKLOG = 1000;
const OVERLOAD_DELAY_MS = 300;
const BOUNDED_BACKLOG_FACTOR = 2;
const OVERLOAD_CONCURRENCY = 4;

export async function runLoadSoak(options: LoadOptions): Promise<LoadResult> {
  const stack = await startProcessStack({ env: { LOG_LEVEL: "debug" }, recordLimit: 1_000_000 });
  try {
    const installation = await stack.install({ configuration: STREAM_CONFIGURATION });
    const steady = await runPhase(stack, installation, "steady", options.steadySeconds, options.requestsPerSecond, options);

    await stack.restart({
      signal: "SIGTERM",
      env: { INGEST_MAX_BACKLOG: String(OVERLOAD_MAX_BACKLOG), DELIVERY_CONCURRENCY: String(OVERLOAD_CONCURRENCY) },
    });
    stack.personalize.addFault({ kind: "delay", ms: OVERLOAD_DELAY_MS });
    const overload = await runPhase(stack, installation, "overload", options.overloadSeconds, options.overloadRequestsPerSecond, options, async () => {
      stack.personalize.clearFaults();
      await stack.restart({ signal: "SIGTERM", env: { INGEST_MAX_BACKLOG: "", DELIVERY_CONCURRENCY: "" } });
    });
    const { firstPushBackSecond } = overload;
    const before = overload.samples.filter((s) => firstPushBackSecond === null || s.second <= firstPushBackSecond).flatMap((s) => (s.ackP99Ms === null ? [] : [s.ackP99Ms]));
    return {
      steady,
      overload: {
        ...overload,
        ackP99BeforePushBackMs: before.length ? Math.max(...before) : null,
        engaged: firstPushBackSecond !== null,
        bounded: overload.samples.every((sample) => sample.undelivered <= BOUNDED_BACKLOG_FACTOR * OVERLOAD_MAX_BACKLOG),
      },
      crashes: stack.crashes(),
      logScan: scanLogs(stack),
    };
  } finally {
    await stack.close();
  }
}

async function runPhase(
  stack: ProcessStack,
  installation: TestInstallation,
  name: string,
  seconds: number,
  requestsPerSecond: number,
  options: LoadOptions,
  beforeDrain: () => Promise<void> | void = () => {},
): Promise<PhaseResult> {
  const source = createEventSource(name, options.users);
  const acked: AckedEvents = new Map();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const pushBackSeconds: number[] = [];
  const perSecond = new Map<number, number[]>();
  const pool = new Pool(stack.url, { connections: 64 });
  const probe = openBacklogProbe(stack.databasePath);
  const pid = stack.server.child.pid!;
  const rssStartMb = processMemory(pid).rssMb;
  const machineLoadStart = loadavg()[0];
  const samples: LoadSample[] = [];
  const started = performance.now();

  const send = async (index: number) => {
    const scheduledAt = started + (index * 1000) / requestsPerSecond;
    const events = Array.from({ length: options.eventsPerRequest }, () => source.next());
    const request = index % 2 === 0 ? webhookRequest(installation, events) : trackingRequest(installation, events);
    let status: number;
    let retryAfter: string | string[] | undefined;
    const sentAt = performance.now();
    try {
      const response = await pool.request({ method: "POST", ...request });
      await response.body.text();
      status = response.statusCode;
      retryAfter = response.headers["retry-after"];
    } catch {
      status = 0;
    }
    const latency = performance.now() - scheduledAt;
    const second = Math.floor((scheduledAt - started) / 1000);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) {
      latencies.push(latency);
      if (!perSecond.has(second)) perSecond.set(second, []);
      perSecond.get(second)!.push(latency);
      const carrying = { index, sentAt, ackedAt: performance.now() };
      for (const event of events) acked.set(event.messageId, { userId: event.userId, seq: event.traits.seq, request: carrying });
    } else if ((status === 429 || status === 503) && retryAfter !== undefined) {
      pushBackSeconds.push(second);
    }
  };

  let sending = true;
  const sampling = (async () => {
    for (let second = 1; sending; second++) {
      await new Promise((resolve) => setTimeout(resolve, started + second * 1000 - performance.now()));
      const healthStarted = performance.now();
      await fetch(`${stack.url}/healthz`).then((r) => r.text()).catch(() => "");
      samples.push({
        second,
        requests: perSecond.get(second - 1)?.length ?? 0,
        ackP99Ms: perSecond.has(second - 1) ? percentile(perSecond.get(second - 1)!, 99) : null,
        queued: probe.queued(),
        undelivered: probe.undelivered(),
        rssMb: processMemory(pid).rssMb,
        healthzMs: performance.now() - healthStarted,
      });
    }
  })();

  const inFlight: Array<Promise<void>> = [];
  const total = Math.round(seconds * requestsPerSecond);
  for (let index = 0; index < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * requestsPerSecond) + 1);
    while (index < due) inFlight.push(send(index++));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  sending = false;
  await sampling;
  const rssEndMb = processMemory(pid).rssMb;
  const machineLoad = { start: machineLoadStart, end: loadavg()[0] };
  const rssPeakMb = Math.max(rssEndMb, ...samples.map((s) => s.rssMb));
  const undeliveredPeak = Math.max(0, ...samples.map((s) => s.undelivered));
  probe.close();
  await pool.close();

  await beforeDrain();
  const store = await stack.openStore();
  try {
    await waitForDrain(store, [installation.uid], 300_000);
    return {
      requests: total,
      events: total * options.eventsPerRequest,
      statuses,
      ackP50Ms: percentile(latencies, 50),
      ackP95Ms: percentile(latencies, 95),
      ackP99Ms: percentile(latencies, 99),
      ackMaxMs: Math.max(0, ...latencies),
      samples,
      rssStartMb,
      rssEndMb,
      rssPeakMb,
      machineLoad,
      undeliveredPeak,
      pushedBack: pushBackSeconds.length,
      firstPushBackSecond: pushBackSeconds.length ? Math.min(...pushBackSeconds) : null,
      verdict: await verifyStream(stack.personalize, store, installation.uid, acked),
    };
  } finally {
    await store.close();
  }
}

function webhookRequest(installation: TestInstallation, events: object[]) {
  const body = Buffer.from(JSON.stringify(events));
  return {
    path: `/ingest/segment/${installation.uid}`,
    headers: { ...JSON_HEADERS, "x-signature": webhookSignature(installation.sharedSecret, body) },
    body,
  };
}

function trackingRequest(installation: TestInstallation, events: object[]) {
  return {
    path: "/v1/batch",
    headers: { ...JSON_HEADERS, authorization: basicAuth(installation.writeKey) },
    body: JSON.stringify({ batch: events, sentAt: new Date().toISOString() }),
  };
}
