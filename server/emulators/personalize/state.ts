/**
 * Everything the emulator holds between requests: projects (with their users), default strictness, fault rules,
 * the request log and the per-organization rate windows. `reset()` returns to the state right after start.
 */
import { buildProject, parseFixtures, type EmulatorFixtures } from "./fixtures.ts";
import { FaultSet } from "./faults.ts";
import { InputError } from "./input-error.ts";
import type { Project, UserRecord } from "./project.ts";
import { RequestLog, type RouteCounters } from "./request-log.ts";
import { LENIENT_STRICTNESS, strictnessOverridesSchema, type Strictness } from "./strictness.ts";

/** Sliding one-second windows of admitted request times, per key (organization). */
class RateWindows {
  private readonly windows = new Map<string, number[]>();

  /** Admits the request (returns 0) or returns how many milliseconds until one would be admitted. */
  take(key: string, perSecond: number, now: number): number {
    let times = this.windows.get(key);
    if (!times) {
      times = [];
      this.windows.set(key, times);
    }
    while (times.length > 0 && times[0]! <= now - 1000) times.shift();
    if (times.length >= perSecond) return times[0]! + 1000 - now;
    times.push(now);
    return 0;
  }
}

export interface EmulatorStats {
  /** Emulated requests since start or the last reset (control requests are not counted). */
  requests: number;
  /** Requests currently held in the record. */
  recorded: number;
  /** Requests dropped from the record because it was full. */
  droppedRecords: number;
  /** Keyed by route key (`PATCH /user-attributes`, …, and `unmatched`). */
  routes: Record<string, RouteCounters>;
  projects: number;
  users: number;
  faults: number;
}

function parseOverrides(input: unknown) {
  const parsed = strictnessOverridesSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.path.join("."), issue.message);
  }
  return parsed.data;
}

export class EmulatorState {
  projects = new Map<string, Project>();
  defaults: Strictness = LENIENT_STRICTNESS;
  log: RequestLog;
  readonly faults: FaultSet;
  rateWindows = new RateWindows();

  constructor(
    private readonly initialFixtures: EmulatorFixtures | undefined,
    private readonly recordLimit: number,
    knownRoutes: ReadonlySet<string>,
  ) {
    this.log = new RequestLog(recordLimit);
    this.faults = new FaultSet(knownRoutes);
    if (initialFixtures) this.loadFixtures(initialFixtures);
  }

  reset(): void {
    this.projects = new Map();
    this.defaults = LENIENT_STRICTNESS;
    this.log = new RequestLog(this.recordLimit);
    this.faults.reset();
    this.rateWindows = new RateWindows();
    if (this.initialFixtures) this.loadFixtures(this.initialFixtures);
  }

  /**
   * Adds the fixtures' projects; a project whose uid is already loaded is replaced, users included. All or nothing:
   * an invalid fixture changes nothing. Returns the loaded project uids.
   */
  loadFixtures(input: unknown): string[] {
    const fixtures = parseFixtures(input);
    const defaults = fixtures.strictness ? { ...this.defaults, ...fixtures.strictness } : this.defaults;
    const projects = fixtures.projects.map((fixture, index) => buildProject(fixture, defaults, `projects[${index}]`));
    this.setDefaults(defaults);
    for (const project of projects) this.projects.set(project.uid, project);
    return projects.map((project) => project.uid);
  }

  /** Merges toggles into one project's overrides; returns its effective strictness. */
  setStrictness(projectUid: string, input: unknown): Strictness {
    const project = this.projects.get(projectUid);
    if (!project) throw new InputError("projectUid", `no project "${projectUid}"`);
    project.strictnessOverrides = { ...project.strictnessOverrides, ...parseOverrides(input) };
    project.applyDefaults(this.defaults);
    return project.strictness;
  }

  /** Merges toggles into the defaults every project builds on; returns the new defaults. */
  setDefaultStrictness(input: unknown): Strictness {
    this.setDefaults({ ...this.defaults, ...parseOverrides(input) });
    return this.defaults;
  }

  user(projectUid: string, userUid: string): UserRecord | undefined {
    return this.projects.get(projectUid)?.users.get(userUid);
  }

  stats(): EmulatorStats {
    const routes = this.log.routeCounters();
    let users = 0;
    for (const project of this.projects.values()) users += project.users.size;
    return {
      requests: Object.values(routes).reduce((sum, counters) => sum + counters.requests, 0),
      recorded: this.log.size,
      droppedRecords: this.log.dropped,
      routes,
      projects: this.projects.size,
      users,
      faults: this.faults.size,
    };
  }

  private setDefaults(defaults: Strictness): void {
    this.defaults = defaults;
    for (const project of this.projects.values()) project.applyDefaults(defaults);
  }
}
