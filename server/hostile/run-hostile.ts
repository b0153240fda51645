/**
 * One hostile run: the intruder, fault, crash, load and many-tenant scenarios in turn, at one of two sizes. The full size takes
 * about eleven minutes on 2 cores, five of them a steady soak (memory settles only after a minute or two); the
 * bounded size, which `npm test` runs, about 75 seconds.
 */
import { runCrashLoop, type CrashOptions, type CrashResult } from "./crash-loop.ts";
import { runFaultMatrix, type FaultOptions, type FaultResult } from "./fault-matrix.ts";
import type { BadInputOptions } from "./bad-input.ts";
import { runIntruders, type IntruderResult } from "./intruders.ts";
import { runLoadSoak, type LoadOptions, type LoadResult } from "./load-soak.ts";
import { runManyTenants, type ManyTenantOptions, type ManyTenantResult } from "./many-tenants.ts";

export interface HostileSizes {
  name: "full" | "quick";
  badInput: BadInputOptions;
  faults: FaultOptions;
  crash: CrashOptions;
  load: LoadOptions;
  tenants: ManyTenantOptions;
}

export const FULL: HostileSizes = {
  name: "full",
  badInput: { generated: 3000, seed: 1 },
  faults: { faultSeconds: 60, eventsPerSecond: 300, users: 200, seed: 2 },
  crash: { events: 100_000, kills: 5, eventsPerSecond: 800, users: 1000, seed: 3 },
  load: { steadySeconds: 300, requestsPerSecond: 20, eventsPerRequest: 25, users: 2000, overloadSeconds: 30, overloadRequestsPerSecond: 40 },
  tenants: { quotaEventsPerSecond: 500, phaseSeconds: 20, invalidEvents: 10_000, unauthenticatedRequests: 2000, slowClients: 500, gzipBombs: 8 },
};

export const QUICK: HostileSizes = {
  name: "quick",
  badInput: { generated: 300, seed: 1 },
  faults: { faultSeconds: 6, eventsPerSecond: 200, users: 50, seed: 2 },
  crash: { events: 3000, kills: 2, eventsPerSecond: 500, users: 100, seed: 3 },
  load: { steadySeconds: 6, requestsPerSecond: 20, eventsPerRequest: 25, users: 500, overloadSeconds: 6, overloadRequestsPerSecond: 40 },
  tenants: { quotaEventsPerSecond: 500, phaseSeconds: 3, invalidEvents: 10_000, unauthenticatedRequests: 300, slowClients: 100, gzipBombs: 6 },
};

export interface HostileResults {
  size: HostileSizes["name"];
  durationSeconds: number;
  intruders: IntruderResult;
  faults: FaultResult;
  crash: CrashResult;
  load: LoadResult;
  tenants: ManyTenantResult;
}

export async function runHostile(sizes: HostileSizes, log: (message: string) => void): Promise<HostileResults> {
  const started = performance.now();
  log("intruders: refusal checks, bad input, rate limits, key rotation…");
  const intruders = await runIntruders(sizes.badInput);
  log(`faults: ${sizes.faults.faultSeconds} s at 30%, then healthy…`);
  const faults = await runFaultMatrix(sizes.faults);
  log(`crashes: ${sizes.crash.events.toLocaleString("en-US")} events, ${sizes.crash.kills} × SIGKILL…`);
  const crash = await runCrashLoop(sizes.crash);
  log(`load: ${sizes.load.steadySeconds} s steady, then ${sizes.load.overloadSeconds} s over capacity…`);
  const load = await runLoadSoak(sizes.load);
  log("many tenants: one installation or an anonymous client against the others…");
  const tenants = await runManyTenants(sizes.tenants);
  return { size: sizes.name, durationSeconds: (performance.now() - started) / 1000, intruders, faults, crash, load, tenants };
}
