/**
 * Local Contentstack Personalize emulator (personalize-api.md §9) for dev, tests and benchmarks.
 *
 * One server, three disjoint path spaces:
 * - `url`            Edge API at the root: GET /manifest, PATCH /user-attributes, POST /user-attributes/actions/merge,
 *                    POST /events.
 * - `managementUrl`  Management API under `/management` (a separate base URL, as the app configures Edge and
 *                    Management separately; `POST /events` exists on both, so a prefix beats sniffing auth headers).
 * - `controlUrl`     Control API under `/__emulator` (see control-routes.ts), mirrored by the methods below.
 */
import type { AddressInfo } from "node:net";
import { edgeRoutes } from "./edge-routes.ts";
import type { Route } from "./exchange.ts";
import type { FaultRule, FaultRuleInput } from "./faults.ts";
import type { EmulatorFixtures } from "./fixtures.ts";
import { createEmulatorServer } from "./http-server.ts";
import { InputError } from "./input-error.ts";
import { MANAGEMENT_PREFIX, managementRoutes } from "./management-routes.ts";
import type { StoredEvent } from "./project.ts";
import type { RecordedRequest, RequestFilter } from "./request-log.ts";
import { EmulatorState, type EmulatorStats } from "./state.ts";
import type { Strictness, StrictnessOverrides } from "./strictness.ts";

export type { EmulatorFixtures, ProjectFixture } from "./fixtures.ts";
export type { FaultRule, FaultRuleInput } from "./faults.ts";
export type { RecordedRequest, RecordedResponse, RequestFilter, RouteCounters } from "./request-log.ts";
export type { EmulatorStats } from "./state.ts";
export type { Strictness, StrictnessOverrides } from "./strictness.ts";
export type { StoredEvent } from "./project.ts";
export type { Rule, RuleCombination } from "./audience-rules.ts";
export { InputError };
export { DEFAULT_HOLD_MS } from "./faults.ts";

export const DEFAULT_RECORD_LIMIT = 100_000;

export interface PersonalizeEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Requests kept for `requests()`, oldest dropped first; 0 disables recording (counters remain). */
  recordLimit?: number;
  /** Loaded at start and again on every reset. */
  fixtures?: EmulatorFixtures;
  /** Epoch milliseconds at which a request counts as received (rate limits, records); tests pass one they control. */
  clock?: () => number;
}

export interface PersonalizeEmulator {
  /** Edge API base URL, no trailing slash. */
  url: string;
  /** Management API base URL (`${url}/management`). */
  managementUrl: string;
  /** Control API base URL (`${url}/__emulator`). */
  controlUrl: string;
  /** Stops the server, dropping open and held connections at once. */
  close(): Promise<void>;
  /** Back to the state right after start: start fixtures only, no users, faults, records or counters. */
  reset(): void;
  /** Adds projects (a loaded uid is replaced, users included); throws InputError and changes nothing if invalid. */
  loadFixtures(fixtures: EmulatorFixtures): string[];
  addFault(rule: FaultRuleInput): FaultRule;
  clearFaults(): void;
  requests(filter?: RequestFilter): RecordedRequest[];
  userAttributes(projectUid: string, userUid: string): Record<string, unknown> | undefined;
  userEvents(projectUid: string, userUid: string): StoredEvent[] | undefined;
  /** Merges toggles into a project's overrides; returns its effective strictness. */
  setStrictness(projectUid: string, toggles: StrictnessOverrides): Strictness;
  /** Merges toggles into the defaults under every project's overrides; returns the new defaults. */
  setDefaultStrictness(toggles: StrictnessOverrides): Strictness;
  stats(): EmulatorStats;
}

export async function startPersonalizeEmulator(options: PersonalizeEmulatorOptions = {}): Promise<PersonalizeEmulator> {
  const recordLimit = options.recordLimit ?? DEFAULT_RECORD_LIMIT;
  if (!Number.isSafeInteger(recordLimit) || recordLimit < 0) throw new InputError("recordLimit", "must be a non-negative integer");
  const routes = new Map<string, Route>([...edgeRoutes, ...managementRoutes]);
  const state = new EmulatorState(options.fixtures, recordLimit, new Set(routes.keys()));
  const { server, close } = createEmulatorServer(state, routes, options.clock ?? Date.now);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    managementUrl: `${url}${MANAGEMENT_PREFIX}`,
    controlUrl: `${url}/__emulator`,
    close,
    reset: () => state.reset(),
    loadFixtures: (fixtures) => state.loadFixtures(fixtures),
    addFault: (rule) => state.faults.add(rule),
    clearFaults: () => state.faults.clear(),
    requests: (filter) => state.log.requests(filter),
    userAttributes: (projectUid, userUid) => state.user(projectUid, userUid)?.attributes,
    userEvents: (projectUid, userUid) => state.user(projectUid, userUid)?.events,
    setStrictness: (projectUid, toggles) => state.setStrictness(projectUid, toggles),
    setDefaultStrictness: (toggles) => state.setDefaultStrictness(toggles),
    stats: () => state.stats(),
  };
}
