/**
 * Fault injection (personalize-api.md §9): rules scoped by route, project and user that fire on the next N matching
 * requests, every Nth, with a seeded probability, or always, and shape the answer instead of the emulated API.
 */
import { STATUS_CODES } from "node:http";
import { z } from "zod";
import { InputError } from "./input-error.ts";
import { JSON_CONTENT_TYPE, personalizeError, type Exchange } from "./exchange.ts";
import { seededRandom } from "../../testing/seeded-random.ts";

/** Long enough to outlast the 10 s client timeout of personalize-api.md §4. */
export const DEFAULT_HOLD_MS = 12_000;

const scope = {
  /** Route key as in `stats().routes`, e.g. `PATCH /user-attributes` or `POST /management/attributes`; all if absent. */
  route: z.string().optional(),
  projectUid: z.string().optional(),
  /** Matched against the user-uid headers (x-cs-personalize-user-uid, else x-cs-eclipse-user-uid). */
  userUid: z.string().optional(),
  /** Fire on the next N matching requests, then the rule is removed. */
  times: z.number().int().positive().optional(),
  /** Fire on every Nth matching request (the Nth, 2Nth, …). */
  everyNth: z.number().int().positive().optional(),
  /** Fire with this probability per matching request. */
  probability: z.number().min(0).max(1).optional(),
  /** Seeds this rule's random choices (probability, random delay) so a run repeats exactly. */
  seed: z.number().int().optional(),
};

const faultRuleSchema = z
  .discriminatedUnion("kind", [
    z.object({
      ...scope,
      kind: z.literal("status"),
      status: z.number().int().min(400).max(599),
      /** Raw body; defaults to a Personalize error body for the route. */
      body: z.string().optional(),
    }),
    z.object({
      ...scope,
      kind: z.literal("rate-limit"),
      /** Omit for a 429 without Retry-After. */
      retryAfterSeconds: z.number().int().nonnegative().optional(),
      retryAfterFormat: z.enum(["seconds", "http-date"]).default("seconds"),
    }),
    z.object({
      ...scope,
      kind: z.literal("delay"),
      /** The delay, or with maxMs the lower bound of a uniformly random one. The request is then answered normally. */
      ms: z.number().nonnegative(),
      maxMs: z.number().nonnegative().optional(),
    }),
    z.object({ ...scope, kind: z.literal("hold"), ms: z.number().nonnegative().default(DEFAULT_HOLD_MS) }),
    z.object({ ...scope, kind: z.literal("reset") }),
    z.object({
      ...scope,
      kind: z.literal("malformed"),
      status: z.number().int().min(200).max(299).default(200),
      body: z.string().default('{"experiences":[{"shortUid":"0","activeVariantShortUid":'),
      contentType: z.string().default(JSON_CONTENT_TYPE),
    }),
  ])
  .refine((rule) => [rule.times, rule.everyNth, rule.probability].filter((v) => v !== undefined).length <= 1, {
    message: "give at most one of times, everyNth, probability",
  })
  .refine((rule) => rule.kind !== "delay" || rule.maxMs === undefined || rule.maxMs >= rule.ms, {
    message: "maxMs must be at least ms",
  });

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema> & { id: string };


export class ActiveFault {
  private matched = 0;
  private remaining: number | undefined;
  readonly random: () => number;

  constructor(readonly rule: FaultRule) {
    this.remaining = rule.times;
    this.random = rule.seed === undefined ? Math.random : seededRandom(rule.seed);
  }

  inScope(route: string, projectUid: string | null, userUid: string | null): boolean {
    const { rule } = this;
    return (
      (rule.route === undefined || rule.route === route) &&
      (rule.projectUid === undefined || rule.projectUid === projectUid) &&
      (rule.userUid === undefined || rule.userUid === userUid)
    );
  }

  /** Called once per in-scope request; decides whether this one is faulted. */
  fires(): boolean {
    this.matched++;
    const { rule } = this;
    if (this.remaining !== undefined) return this.remaining-- > 0;
    if (rule.everyNth !== undefined) return this.matched % rule.everyNth === 0;
    if (rule.probability !== undefined) return this.random() < rule.probability;
    return true;
  }

  get exhausted(): boolean {
    return this.remaining === 0;
  }
}

export class FaultSet {
  private active: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly knownRoutes: ReadonlySet<string>) {}

  add(input: unknown): FaultRule {
    const parsed = faultRuleSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InputError(issue.path.join("."), issue.message);
    }
    if (parsed.data.route !== undefined && !this.knownRoutes.has(parsed.data.route)) {
      throw new InputError("route", `unknown route "${parsed.data.route}"; one of ${[...this.knownRoutes].join(", ")}`);
    }
    const rule: FaultRule = { ...parsed.data, id: `fault-${this.nextId++}` };
    this.active.push(new ActiveFault(rule));
    return rule;
  }

  clear(): void {
    this.active = [];
  }

  /** As right after start: no rules, and ids count from fault-1 again. */
  reset(): void {
    this.active = [];
    this.nextId = 1;
  }

  get size(): number {
    return this.active.length;
  }

  /** The first rule, in the order added, that is in scope and fires; rules after it do not see the request. */
  pick(route: string, projectUid: string | null, userUid: string | null): ActiveFault | null {
    for (const fault of this.active) {
      if (!fault.inScope(route, projectUid, userUid) || !fault.fires()) continue;
      if (fault.exhausted) this.active = this.active.filter((other) => other !== fault);
      return fault;
    }
    return null;
  }
}

export interface FaultTimers {
  after(ms: number, run: () => void): void;
}

/**
 * Applies a fault. Resolves true when the request should still be answered normally (after a delay), false when
 * the fault has answered it or deliberately never will.
 */
export async function applyFault(fault: ActiveFault, exchange: Exchange, module: string, timers: FaultTimers): Promise<boolean> {
  const { rule } = fault;
  exchange.fault = rule.kind;
  switch (rule.kind) {
    case "status": {
      if (rule.body !== undefined) {
        exchange.send(rule.status, rule.body, { "content-type": JSON_CONTENT_TYPE });
      } else {
        const code = (STATUS_CODES[rule.status] ?? "ERROR").toUpperCase().replace(/[^A-Z]+/g, "_");
        exchange.sendError(personalizeError(rule.status, module, code, `Injected fault: HTTP ${rule.status}`));
      }
      return false;
    }
    case "rate-limit": {
      const headers: Record<string, string> = {};
      if (rule.retryAfterSeconds !== undefined) {
        headers["retry-after"] =
          rule.retryAfterFormat === "http-date"
            ? new Date(Date.now() + rule.retryAfterSeconds * 1000).toUTCString()
            : String(rule.retryAfterSeconds);
      }
      exchange.sendError(personalizeError(429, module, "TOO_MANY_REQUESTS", "Injected fault: rate limited", headers));
      return false;
    }
    case "delay": {
      const ms = rule.maxMs === undefined ? rule.ms : rule.ms + fault.random() * (rule.maxMs - rule.ms);
      exchange.delayMs = ms;
      await new Promise<void>((resolve) => timers.after(ms, resolve));
      return true;
    }
    case "hold": {
      exchange.abandon("hold");
      timers.after(rule.ms, () => exchange.req.socket.destroy());
      return false;
    }
    case "reset": {
      exchange.abandon("reset");
      // resetAndDestroy sends a TCP RST, so the client sees ECONNRESET rather than an orderly close.
      exchange.req.socket.resetAndDestroy();
      return false;
    }
    case "malformed": {
      exchange.send(rule.status, rule.body, { "content-type": rule.contentType });
      return false;
    }
  }
}
