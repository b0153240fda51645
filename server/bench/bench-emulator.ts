/**
 * The one Personalize emulator every system under test talks to, and how the benchmark reads it: recording off
 * (hundreds of thousands of requests), per-route counters only.
 */
import { edgeRoutes } from "../emulators/personalize/edge-routes.ts";
import { startPersonalizeEmulator, type PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { lenientFixtures } from "../testing/harness.ts";

export function startBenchEmulator(): Promise<PersonalizeEmulator> {
  return startPersonalizeEmulator({ fixtures: lenientFixtures(), recordLimit: 0 });
}

/** Edge API requests received since the last reset, answered or not (Management and control calls excluded). */
export function edgeRequests(personalize: PersonalizeEmulator): number {
  const { routes } = personalize.stats();
  let total = 0;
  for (const route of edgeRoutes.keys()) total += routes[route]?.requests ?? 0;
  return total;
}

/** Edge API answers other than 2xx since the last reset. */
export function edgeFailures(personalize: PersonalizeEmulator): number {
  const { routes } = personalize.stats();
  let total = 0;
  for (const route of edgeRoutes.keys()) {
    for (const [status, count] of Object.entries(routes[route]?.responses ?? {})) {
      if (!/^2\d\d$/.test(status)) total += count;
    }
  }
  return total;
}

