/**
 * The hostile run in its bounded form (the same scenarios `npm run test:hostile` runs, at QUICK sizes): intruders
 * and bad input, faults, crashes, load and many tenants (latency and memory figures are judged by the full run only). About a minute and a half on 2 cores.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runCrashLoop } from "./crash-loop.ts";
import { runFaultMatrix } from "./fault-matrix.ts";
import { runIntruders, type IntruderResult } from "./intruders.ts";
import { runLoadSoak } from "./load-soak.ts";
import { runManyTenants, type ManyTenantResult } from "./many-tenants.ts";
import { QUICK } from "./run-hostile.ts";
import { SECURITY_CHECK_NAMES } from "./security-checks.ts";

const SCENARIO_TIMEOUT_MS = 120_000;

describe("intruders", () => {
  let result: IntruderResult;
  beforeAll(async () => {
    result = await runIntruders(QUICK.badInput);
  }, SCENARIO_TIMEOUT_MS);

  it.each(SECURITY_CHECK_NAMES)("%s", (name) => {
    expect(result.checks.find((check) => check.name === name)?.problem).toBeNull();
  });

  it("answers every hostile input with a 4xx and a message, without a 5xx, a crash, a call out or a stored change", () => {
    const bad = result.badInput;
    expect(bad.inputsTried).toBeGreaterThanOrEqual(300);
    expect(Object.keys(bad.byEndpoint).sort()).toEqual(["config", "http", "lifecycle", "log", "session", "tracking", "webhook"]);
    expect(bad.failures).toEqual([]);
    expect(bad.fiveXx).toBe(0);
    expect(bad.storedChanges).toEqual([]);
    expect(bad.personalizeCalls + bad.canaryHits).toBe(0);
    expect(result.crashes).toBe(0);
  });

  it("keeps every secret out of the server's debug-level logs", () => {
    expect(result.logScan.bytes).toBeGreaterThan(0);
    expect(result.logScan.leaks).toEqual([]);
  });
});

it(
  "delivers every acked event through a 30% fault matrix, in per-user order, never retrying before Retry-After",
  async () => {
    const result = await runFaultMatrix(QUICK.faults);
    expect(Object.entries(result.injected).filter(([, count]) => count === 0)).toEqual([]);
    expect(result.verdict.lost).toEqual([]);
    expect(result.verdict).toMatchObject({ orderViolations: 0, failedRows: 0, complete: true });
    expect(result.retryAfter.filter((spacing) => spacing.measured === 0 || spacing.violations > 0)).toEqual([]);
    expect(result.crashes).toBe(0);
    expect(result.logScan.leaks).toEqual([]);
  },
  SCENARIO_TIMEOUT_MS,
);

it(
  "loses no acked event when the server is SIGKILLed mid-stream and restarted",
  async () => {
    const result = await runCrashLoop(QUICK.crash);
    expect(result.kills).toBe(QUICK.crash.kills);
    expect(result.verdict.acked).toBeGreaterThan(0);
    expect(result.verdict.lost).toEqual([]);
    expect(result.verdict).toMatchObject({ orderViolations: 0, failedRows: 0, complete: true });
    expect(result.crashes).toBe(0);
  },
  SCENARIO_TIMEOUT_MS,
);

it(
  "acks a steady mixed load and then an overload without a 5xx other than 503 with Retry-After, and delivers every acked event",
  async () => {
    const result = await runLoadSoak(QUICK.load);
    expect(result.steady.statuses).toEqual({ 200: result.steady.requests });
    expect(result.steady.verdict.lost).toEqual([]);
    const overloadFailures = Object.keys(result.overload.statuses).filter((status) => status !== "200" && status !== "503");
    expect(overloadFailures).toEqual([]);
    expect(result.overload.statuses["503"] ?? 0).toBe(result.overload.pushedBack);
    // Personalize is slowed: the undelivered backlog, not just the queue, must trip the 503s and stay bounded.
    expect(result.overload.pushedBack).toBeGreaterThan(0);
    expect(result.overload.bounded).toBe(true);
    expect(result.overload.verdict.lost).toEqual([]);
    expect(result.crashes).toBe(0);
  },
  SCENARIO_TIMEOUT_MS,
);


describe("many tenants on one server", () => {
  let result: ManyTenantResult;
  beforeAll(async () => {
    result = await runManyTenants(QUICK.tenants);
  }, SCENARIO_TIMEOUT_MS);

  it("refuses every attack of issue 12, each with the right 4xx", () => {
    expect(result.checks.filter((check) => check.problem !== null)).toEqual([]);
    expect(new Set(result.checks.map((check) => check.item))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]));
  });

  it("lets no installation or anonymous client affect another", () => {
    expect(result).toMatchObject({
      cross_tenant_effects: 0,
      noisy_neighbour_503s: 0,
      rows_written_by_unauthenticated_requests: 0,
      forged_batch_elements_accepted: 0,
      write_key_takeovers: 0,
      lifecycle_replays_accepted_after_restart: 0,
      crashes: 0,
    });
    expect(result.rejected_rows_per_10k_invalid_events).toBeLessThanOrEqual(100);
  });
});
