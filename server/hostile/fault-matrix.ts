/**
 * The fault scenario: a stream of events while the Personalize emulator fails 30% of attribute requests across a
 * matrix of faults (500, 502, 503, 429 with Retry-After in seconds, as an HTTP date and without, requests held past
 * the client timeout, connection resets, slow answers), then stays healthy until the queue drains. Every acked event
 * must be delivered in per-user order, and no retry after a 429 may come sooner than its Retry-After said.
 */
import type { FaultRuleInput, PersonalizeEmulator, RecordedRequest } from "../emulators/personalize/index.ts";
import { startProcessStack } from "../testing/process-stack.ts";
import { waitForDrain } from "./drain.ts";
import { scanLogs, type LogScan } from "./secret-leaks.ts";
import { STREAM_CONFIGURATION, createEventSource, sendWithAnalytics, verifyStream, type StreamVerdict } from "./event-stream.ts";

export interface FaultOptions {
  /** How long faults are injected while the stream runs. */
  faultSeconds: number;
  eventsPerSecond: number;
  users: number;
  seed: number;
}

const FAULT_RATE = 0.3;
const CLIENT_TIMEOUT_MS = 1000;
const RETRY_AFTER_SECONDS = 2;
const CLOCK_GRANULARITY_MS = 2;

type FaultShape = { [K in FaultRuleInput["kind"]]: Omit<Extract<FaultRuleInput, { kind: K }>, "probability" | "seed" | "route"> }[FaultRuleInput["kind"]];

export const FAULT_MATRIX: Array<{ name: string; shape: FaultShape }> = [
  { name: "HTTP 500", shape: { kind: "status", status: 500 } },
  { name: "HTTP 502", shape: { kind: "status", status: 502 } },
  { name: "HTTP 503", shape: { kind: "status", status: 503 } },
  { name: "429, Retry-After in seconds", shape: { kind: "rate-limit", retryAfterSeconds: RETRY_AFTER_SECONDS } },
  { name: "429, Retry-After as an HTTP date", shape: { kind: "rate-limit", retryAfterSeconds: RETRY_AFTER_SECONDS, retryAfterFormat: "http-date" } },
  { name: "429 without Retry-After", shape: { kind: "rate-limit" } },
  { name: "held past the timeout", shape: { kind: "hold", ms: CLIENT_TIMEOUT_MS + 500 } },
  { name: "connection reset", shape: { kind: "reset" } },
  { name: "slow answer (0.2–0.8 s)", shape: { kind: "delay", ms: 200, maxMs: 800 } },
];

export interface RetryAfterSpacing {
  format: "seconds" | "http-date";
  /** 429s with this Retry-After form followed by another attempt for the same user. */
  measured: number;
  /** The shortest gap between a 429 and the next attempt, and what its Retry-After required, in ms. */
  minGapMs: number | null;
  minRequiredMs: number | null;
  /** Retries sooner than their Retry-After allowed. */
  violations: number;
}

export interface FaultResult {
  injected: Record<string, number>;
  faultsSurvived: number;
  retryAfter: RetryAfterSpacing[];
  verdict: StreamVerdict;
  drainSeconds: number;
  crashes: number;
  logScan: LogScan;
}

export async function runFaultMatrix(options: FaultOptions): Promise<FaultResult> {
  const stack = await startProcessStack({
    env: { DELIVERY_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS), DELIVERY_RETRY_BASE_MS: "50", LOG_LEVEL: "debug" },
    recordLimit: 1_000_000,
  });
  try {
    const installation = await stack.install({ configuration: STREAM_CONFIGURATION });
    // The emulator checks rules in order; each fires with p so that together they fire on 30% of requests.
    const each = 1 - (1 - FAULT_RATE) ** (1 / FAULT_MATRIX.length);
    FAULT_MATRIX.forEach(({ shape }, i) =>
      stack.personalize.addFault({ ...shape, route: "PATCH /user-attributes", probability: each, seed: options.seed + i } as FaultRuleInput),
    );
    const { acked } = await sendWithAnalytics({
      url: stack.url,
      writeKey: installation.writeKey,
      source: createEventSource("faults", options.users),
      total: Math.round(options.faultSeconds * options.eventsPerSecond),
      eventsPerSecond: options.eventsPerSecond,
      flushAt: 25,
    });
    stack.personalize.clearFaults();
    const healthyFrom = Date.now();
    const store = await stack.openStore();
    try {
      await waitForDrain(store, [installation.uid], 120_000);
      const drainSeconds = (Date.now() - healthyFrom) / 1000;
      const injected = countFaults(stack.personalize);
      return {
        injected,
        faultsSurvived: Object.values(injected).reduce((sum, n) => sum + n, 0),
        retryAfter: measureRetryAfter(stack.personalize),
        verdict: await verifyStream(stack.personalize, store, installation.uid, acked),
        drainSeconds,
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

function countFaults(personalize: PersonalizeEmulator): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(FAULT_MATRIX.map(({ name }) => [name, 0]));
  for (const request of personalize.requests({ path: "/user-attributes" })) {
    const response = request.response;
    if (!response?.fault) continue;
    counts[faultName(response)] += 1;
  }
  return counts;
}

function faultName(response: NonNullable<RecordedRequest["response"]>): string {
  switch (response.fault) {
    case "status":
      return `HTTP ${response.status}`;
    case "rate-limit": {
      const retryAfter = response.headers["retry-after"];
      if (retryAfter === undefined) return "429 without Retry-After";
      return /^\d+$/.test(retryAfter) ? "429, Retry-After in seconds" : "429, Retry-After as an HTTP date";
    }
    case "hold":
      return "held past the timeout";
    case "reset":
      return "connection reset";
    default:
      return "slow answer (0.2–0.8 s)";
  }
}

/** For each 429 with Retry-After, the gap until the same user's next attempt, against what the header required. */
function measureRetryAfter(personalize: PersonalizeEmulator): RetryAfterSpacing[] {
  const byUser = new Map<string, RecordedRequest[]>();
  for (const request of personalize.requests({ path: "/user-attributes" })) {
    if (request.userUid) byUser.set(request.userUid, [...(byUser.get(request.userUid) ?? []), request]);
  }
  const spacing = (format: RetryAfterSpacing["format"]): RetryAfterSpacing => ({ format, measured: 0, minGapMs: null, minRequiredMs: null, violations: 0 });
  const results = { seconds: spacing("seconds"), "http-date": spacing("http-date") };
  for (const requests of byUser.values()) {
    requests.forEach((request, i) => {
      const retryAfter = request.response?.headers["retry-after"];
      const next = requests[i + 1];
      if (request.response?.status !== 429 || retryAfter === undefined || !next) return;
      const sentAt = request.response.sentAt;
      const isSeconds = /^\d+$/.test(retryAfter);
      const required = isSeconds ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - sentAt;
      const gap = next.receivedAt - sentAt;
      const result = results[isSeconds ? "seconds" : "http-date"];
      result.measured += 1;
      if (result.minGapMs === null || gap < result.minGapMs) {
        result.minGapMs = gap;
        result.minRequiredMs = required;
      }
      // Timers and the millisecond clock may each be a millisecond off; a retry that early still honoured the header.
      if (gap < required - CLOCK_GRANULARITY_MS) result.violations += 1;
    });
  }
  return Object.values(results);
}
