/**
 * A local stand-in for Segment's Public API (segment.md §8) for dev and tests: one workspace with tokens and
 * their roles, sources with write keys, Webhooks (Actions) destinations and their action subscriptions,
 * tracking plans, Unify spaces, the delivery overview and `/echo`. Errors use Segment's envelope
 * `{ errors: [{ type, message }] }` with 401 (no or unknown token), 403 (the token lacks the role), 404, 422 and
 * 429 (injected, with Retry-After). Every request is recorded (method, path, query, Accept header, body).
 *
 * It is mounted on the Segment emulator's server (server/emulators/segment/), which hands it each batch the
 * Tracking API accepted: the events reach the source's connected Webhooks (Actions) destinations as Segment
 * delivers them (webhook-delivery.ts), and every stage is counted for the delivery overview.
 *
 * Unconfirmed (kept simple here, and configurable in the app): the role each endpoint needs beyond what §8 names.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseFql } from "../../../src/shared/fql.ts";
import { deliverToWebhook, type EventOutcome } from "./webhook-delivery.ts";

export const WEBHOOK_METADATA_ID = "614a3c7d791c91c41bae7599";
export const WEBHOOK_SEND_ACTION_ID = "sendActionWebhook0001";

export const ROLES = ["Workspace Owner", "Source Admin", "Source Read-only", "Tracking Plan Read-only", "Unify Read-only"] as const;
export type Role = (typeof ROLES)[number];

export interface WorkspaceToken {
  token: string;
  roles: Role[];
}
export interface WorkspaceSource {
  id: string;
  name: string;
  slug: string;
  writeKey: string;
}
export interface TrackingPlanRule {
  type: "TRACK" | "IDENTIFY" | "GROUP" | "PAGE" | "SCREEN" | "COMMON";
  key?: string;
  jsonSchema: Record<string, unknown>;
  version: number;
}
export interface WorkspaceTrackingPlan {
  id: string;
  name: string;
  sourceIds: string[];
  rules: TrackingPlanRule[];
}
export interface WorkspaceSpace {
  id: string;
  name: string;
  events: string[];
  traits: string[];
}
export interface Workspace {
  tokens: WorkspaceToken[];
  sources: WorkspaceSource[];
  trackingPlans?: WorkspaceTrackingPlan[];
  spaces?: WorkspaceSpace[];
}

export interface RecordedApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  accept: string;
  body: unknown;
  status: number;
}

interface Destination {
  id: string;
  name: string;
  enabled: boolean;
  sourceId: string;
  metadataId: string;
  settings: Record<string, unknown>;
  createdAt: string;
}
interface Subscription {
  id: string;
  name: string;
  actionId: string;
  actionSlug: string;
  destinationId: string;
  modelId: string;
  trigger: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

export const DELIVERY_STAGES = [
  "successfully-received",
  "failed-on-ingest",
  "filtered-at-source",
  "filtered-at-destination",
  "failed-delivery",
  "successful-delivery",
] as const;
export type DeliveryStage = (typeof DELIVERY_STAGES)[number];
interface StageCount {
  stage: DeliveryStage;
  sourceId: string;
  destinationId: string | null;
  at: number;
  count: number;
}

export interface PublicApiFault {
  status: number;
  retryAfterSeconds?: number;
  times?: number;
}

export interface SegmentPublicApi {
  /** Handles a Public API request; false when the path is not one of its routes' roots. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): boolean;
  control(req: IncomingMessage, res: ServerResponse, resource: string, body: string): boolean;
  writeKeys(): string[];
  /** A batch the Tracking API accepted for `writeKey`: counted and delivered to the source's webhooks. */
  deliver(writeKey: string, events: Array<Record<string, unknown>>): Promise<void>;
  requests(): RecordedApiRequest[];
  destinations(): Array<Destination & { subscriptions: Subscription[] }>;
  addStageCount(count: Omit<StageCount, "at"> & { at?: number }): void;
  addFault(fault: PublicApiFault): void;
  setWorkspace(workspace: Workspace): void;
  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void>;
  reset(): void;
}

const HOUR_MS = 3_600_000;
/** Delivery overview windows per granularity (segment.md §8). */
const GRANULARITY_LIMITS: Record<string, { maxRangeMs: number; maxAgeMs: number }> = {
  MINUTE: { maxRangeMs: 4 * HOUR_MS, maxAgeMs: 48 * HOUR_MS },
  HOUR: { maxRangeMs: 14 * 24 * HOUR_MS, maxAgeMs: 30 * 24 * HOUR_MS },
  DAY: { maxRangeMs: 30 * 24 * HOUR_MS, maxAgeMs: 30 * 24 * HOUR_MS },
};
const ROOTS = ["echo", "sources", "destinations", "catalog", "tracking-plans", "spaces", "delivery-overview"];
const OWNER: Role = "Workspace Owner";
/** Roles that include another (an admin may read). */
const IMPLIES: Partial<Record<Role, Role[]>> = { "Source Admin": ["Source Read-only"] };

const newId = () => randomBytes(11).toString("base64url").replace(/[-_]/g, "x").slice(0, 22);

export function createSegmentPublicApi(initial: Workspace, options: { deliveryAttempts?: number; retryDelayMs?: number } = {}): SegmentPublicApi {
  let workspace = initial;
  let recorded: RecordedApiRequest[] = [];
  let destinations: Destination[] = [];
  let subscriptions: Subscription[] = [];
  let stageCounts: StageCount[] = [];
  let faults: Array<PublicApiFault & { left: number }> = [];
  const inFlight = new Set<Promise<void>>();

  const rolesOf = (token: string): Role[] | null => {
    const entry = workspace.tokens.find((candidate) => candidate.token === token);
    if (!entry) return null;
    return entry.roles.flatMap((role) => [role, ...(IMPLIES[role] ?? [])]);
  };

  const count = (stage: DeliveryStage, sourceId: string, destinationId: string | null, n = 1) => {
    if (n > 0) stageCounts.push({ stage, sourceId, destinationId, at: Date.now(), count: n });
  };

  const api: SegmentPublicApi = {
    handle(req, res, url, body) {
      const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      if (!ROOTS.includes(segments[0] ?? "")) return false;
      const query = Object.fromEntries(url.searchParams.entries());
      let parsed: unknown = null;
      const entry: RecordedApiRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query,
        accept: String(req.headers.accept ?? ""),
        body: null,
        status: 0,
      };
      recorded.push(entry);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        entry.status = status;
        res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(payload));
        return true;
      };
      const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
        send(status, { errors: [{ type, message }] }, headers);

      const token = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
      if (!token) return fail(401, "unauthorized", "missing Authorization: Bearer <token>");
      const roles = rolesOf(token);
      if (!roles) return fail(401, "unauthorized", "the token is invalid or was revoked");
      const fault = faults[0];
      if (fault) {
        fault.left -= 1;
        if (fault.left <= 0) faults.shift();
        const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) };
        return fail(fault.status, fault.status === 429 ? "too-many-requests" : "injected", `injected ${fault.status}`, headers);
      }
      if (body) {
        try {
          parsed = JSON.parse(body);
        } catch {
          return fail(400, "bad-request", "the body is not valid JSON");
        }
      }
      entry.body = parsed;
      const need = (role: Role): boolean => {
        if (roles.includes(OWNER) || roles.includes(role)) return false;
        fail(403, "forbidden", `the token lacks the "${role}" role for ${entry.method} ${url.pathname}`);
        return true;
      };
      return route(req.method ?? "GET", segments, query, parsed as Record<string, unknown> | null, { send, fail, need });
    },

    control(req, res, resource, body) {
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
        return true;
      };
      if (req.method === "GET" && resource === "public-api/requests") return send(200, recorded);
      if (req.method === "GET" && resource === "public-api/destinations") return send(200, api.destinations());
      if (req.method === "POST" && resource === "public-api/faults") {
        api.addFault(JSON.parse(body) as PublicApiFault);
        return send(201, { ok: true });
      }
      if (req.method === "POST" && resource === "public-api/stage-counts") {
        api.addStageCount(JSON.parse(body));
        return send(201, { ok: true });
      }
      if (req.method === "POST" && resource === "public-api/workspace") {
        api.setWorkspace(JSON.parse(body) as Workspace);
        return send(200, { ok: true });
      }
      return false;
    },

    writeKeys: () => workspace.sources.map((source) => source.writeKey),

    deliver(writeKey, events) {
      const source = workspace.sources.find((candidate) => candidate.writeKey === writeKey);
      if (!source || events.length === 0) return Promise.resolve();
      count("successfully-received", source.id, null, events.length);
      const work = Promise.all(
        destinations
          .filter((destination) => destination.sourceId === source.id && destination.enabled && destination.metadataId === WEBHOOK_METADATA_ID)
          .map(async (destination) => {
            const outcomes = await deliverToWebhook(
              events,
              destination.settings,
              subscriptions.filter((subscription) => subscription.destinationId === destination.id),
              { attempts: options.deliveryAttempts ?? 3, retryDelayMs: options.retryDelayMs ?? 200 },
            );
            const tally = (outcome: EventOutcome) => outcomes.filter((candidate) => candidate === outcome).length;
            count("successful-delivery", source.id, destination.id, tally("delivered"));
            count("filtered-at-destination", source.id, destination.id, tally("filtered"));
            count("failed-delivery", source.id, destination.id, tally("failed"));
          }),
      ).then(() => undefined);
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    },

    requests: () => recorded,
    destinations: () =>
      destinations.map((destination) => ({
        ...destination,
        subscriptions: subscriptions.filter((subscription) => subscription.destinationId === destination.id),
      })),
    addStageCount: (entry) => void stageCounts.push({ ...entry, destinationId: entry.destinationId ?? null, at: entry.at ?? Date.now() }),
    addFault: (fault) => void faults.push({ ...fault, left: fault.times ?? 1 }),
    setWorkspace: (next) => void (workspace = next),
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    reset() {
      workspace = initial;
      recorded = [];
      destinations = [];
      subscriptions = [];
      stageCounts = [];
      faults = [];
    },
  };

  interface Reply {
    send(status: number, payload: unknown): boolean;
    fail(status: number, type: string, message: string): boolean;
    need(role: Role): boolean;
  }

  function page<T>(items: T[], query: Record<string, string>) {
    const countParam = Number(query["pagination.count"] ?? 200);
    const size = Number.isInteger(countParam) && countParam >= 1 && countParam <= 1000 ? countParam : 200;
    const start = Number(query["pagination.cursor"] ?? 0) || 0;
    const next = start + size < items.length ? String(start + size) : null;
    return { items: items.slice(start, start + size), pagination: { current: String(start), next, totalEntries: items.length } };
  }

  const sourceView = (source: WorkspaceSource) => ({
    id: source.id,
    slug: source.slug,
    name: source.name,
    workspaceId: "emulated-workspace",
    enabled: true,
    writeKeys: [source.writeKey],
    metadata: { id: "emulated-http-api", slug: "http-api", name: "HTTP API" },
    settings: {},
    labels: [],
  });
  const destinationView = (destination: Destination) => ({
    id: destination.id,
    name: destination.name,
    enabled: destination.enabled,
    workspaceId: "emulated-workspace",
    sourceId: destination.sourceId,
    settings: destination.settings,
    metadata: { id: destination.metadataId, slug: "actions-webhook", name: "Webhooks (Actions)" },
  });

  function validSubscription(body: Record<string, unknown>, reply: Reply, partial: boolean): boolean {
    if (!partial && (typeof body.name !== "string" || !body.name)) return !reply.fail(422, "validation", "name is required");
    if (!partial && body.actionId !== WEBHOOK_SEND_ACTION_ID) return !reply.fail(422, "validation", `actionId "${String(body.actionId)}" is not an action of this destination`);
    if (body.trigger !== undefined || !partial) {
      const fql = parseFql(String(body.trigger ?? "")) as { error?: Error };
      if (typeof body.trigger !== "string" || fql.error) return !reply.fail(422, "validation", `trigger is not valid FQL: ${fql.error?.message ?? "missing"}`);
    }
    if (body.settings !== undefined && (typeof body.settings !== "object" || body.settings === null)) {
      return !reply.fail(422, "validation", "settings must be an object");
    }
    return true;
  }

  function route(method: string, segments: string[], query: Record<string, string>, body: Record<string, unknown> | null, reply: Reply): boolean {
    const [root, id, sub, subId] = segments;
    const notFound = (what: string) => reply.fail(404, "not-found", `${what} not found`);
    const findSource = (sourceId: string) => workspace.sources.find((source) => source.id === sourceId);

    if (root === "echo" && method === "GET") return reply.send(200, { data: { message: query.message ?? "" } });

    if (root === "catalog" && id === "destinations" && sub && method === "GET") {
      if (sub !== WEBHOOK_METADATA_ID) return notFound(`destination metadata ${sub}`);
      return reply.send(200, {
        data: {
          destinationMetadata: {
            id: WEBHOOK_METADATA_ID,
            name: "Webhooks (Actions)",
            slug: "actions-webhook",
            options: [{ name: "sharedSecret", type: "password", required: false }],
            actions: [{ id: WEBHOOK_SEND_ACTION_ID, slug: "send", name: "Send", platform: "CLOUD", hidden: false, defaultTrigger: null, fields: [] }],
          },
        },
      });
    }

    if (root === "sources" && method === "GET") {
      if (reply.need("Source Read-only")) return true;
      if (!id) {
        const { items, pagination } = page(workspace.sources, query);
        return reply.send(200, { data: { sources: items.map(sourceView), pagination } });
      }
      const source = findSource(id);
      if (!source) return notFound(`source ${id}`);
      if (!sub) return reply.send(200, { data: { source: sourceView(source) } });
      if (sub === "connected-destinations") {
        const { items, pagination } = page(destinations.filter((destination) => destination.sourceId === id), query);
        return reply.send(200, { data: { destinations: items.map(destinationView), pagination } });
      }
      return notFound(`route ${method} /sources/${id}/${sub}`);
    }

    if (root === "destinations") {
      const destination = id ? destinations.find((candidate) => candidate.id === id) : undefined;
      if (!id && method === "POST") {
        if (reply.need("Source Admin")) return true;
        const input = body ?? {};
        if (typeof input.sourceId !== "string" || !findSource(input.sourceId)) return reply.fail(422, "validation", "sourceId names no source of this workspace");
        if (input.metadataId !== WEBHOOK_METADATA_ID) return reply.fail(422, "validation", `metadataId "${String(input.metadataId)}" is not in this emulator's catalog`);
        if (typeof input.settings !== "object" || input.settings === null) return reply.fail(422, "validation", "settings is required");
        const created: Destination = {
          id: newId(),
          name: typeof input.name === "string" ? input.name : "Webhooks (Actions)",
          enabled: input.enabled === true,
          sourceId: input.sourceId,
          metadataId: input.metadataId,
          settings: input.settings as Record<string, unknown>,
          createdAt: new Date().toISOString(),
        };
        destinations.push(created);
        return reply.send(200, { data: { destination: destinationView(created) } });
      }
      if (!id && method === "GET") {
        if (reply.need("Source Read-only")) return true;
        const { items, pagination } = page(destinations, query);
        return reply.send(200, { data: { destinations: items.map(destinationView), pagination } });
      }
      if (!destination) return notFound(`destination ${id}`);
      if (!sub) {
        if (method === "GET") return reply.need("Source Read-only") || reply.send(200, { data: { destination: destinationView(destination) } });
        if (reply.need("Source Admin")) return true;
        if (method === "PATCH") {
          const input = body ?? {};
          if (typeof input.enabled === "boolean") destination.enabled = input.enabled;
          if (typeof input.name === "string") destination.name = input.name;
          if (input.settings && typeof input.settings === "object") destination.settings = input.settings as Record<string, unknown>;
          return reply.send(200, { data: { destination: destinationView(destination) } });
        }
        if (method === "DELETE") {
          destinations = destinations.filter((candidate) => candidate !== destination);
          subscriptions = subscriptions.filter((subscription) => subscription.destinationId !== destination.id);
          return reply.send(200, { data: { status: "SUCCESS" } });
        }
      }
      if (sub === "subscriptions") {
        const own = subscriptions.filter((subscription) => subscription.destinationId === destination.id);
        if (!subId && method === "GET") {
          if (reply.need("Source Read-only")) return true;
          const { items, pagination } = page(own, query);
          return reply.send(200, { data: { subscriptions: items, pagination } });
        }
        if (reply.need("Source Admin")) return true;
        if (!subId && method === "POST") {
          const input = body ?? {};
          if (!validSubscription(input, reply, false)) return true;
          const created: Subscription = {
            id: newId(),
            name: String(input.name),
            actionId: WEBHOOK_SEND_ACTION_ID,
            actionSlug: "send",
            destinationId: destination.id,
            modelId: "",
            trigger: String(input.trigger),
            enabled: input.enabled === true,
            settings: (input.settings as Record<string, unknown>) ?? {},
          };
          subscriptions.push(created);
          return reply.send(200, { data: { destinationSubscription: created } });
        }
        const subscription = own.find((candidate) => candidate.id === subId);
        if (!subscription) return notFound(`subscription ${subId}`);
        if (method === "PATCH") {
          const input = (body?.input ?? null) as Record<string, unknown> | null;
          if (!input) return reply.fail(422, "validation", "the body must be { input: { ... } }");
          if (!validSubscription(input, reply, true)) return true;
          if (typeof input.trigger === "string") subscription.trigger = input.trigger;
          if (typeof input.enabled === "boolean") subscription.enabled = input.enabled;
          if (typeof input.name === "string") subscription.name = input.name;
          if (input.settings) subscription.settings = input.settings as Record<string, unknown>;
          return reply.send(200, { data: { destinationSubscription: subscription } });
        }
        if (method === "DELETE") {
          subscriptions = subscriptions.filter((candidate) => candidate !== subscription);
          return reply.send(200, { data: { status: "SUCCESS" } });
        }
      }
      return notFound(`route ${method} /destinations/${id}/${sub ?? ""}`);
    }

    if (root === "tracking-plans" && method === "GET") {
      if (reply.need("Tracking Plan Read-only")) return true;
      const plans = workspace.trackingPlans ?? [];
      if (!id) {
        const { items, pagination } = page(plans, query);
        return reply.send(200, { data: { trackingPlans: items.map(({ id: planId, name }) => ({ id: planId, name, type: "LIVE" })), pagination } });
      }
      const plan = plans.find((candidate) => candidate.id === id);
      if (!plan) return notFound(`tracking plan ${id}`);
      if (sub === "sources") {
        if (reply.need("Source Read-only")) return true;
        const { items, pagination } = page(plan.sourceIds.flatMap((sourceId) => findSource(sourceId) ?? []), query);
        return reply.send(200, { data: { sources: items.map(sourceView), pagination } });
      }
      if (sub === "rules") {
        const { items, pagination } = page(plan.rules, query);
        return reply.send(200, { data: { rules: items, pagination } });
      }
      return notFound(`route ${method} /tracking-plans/${id}/${sub ?? ""}`);
    }

    if (root === "spaces" && method === "GET") {
      if (reply.need("Unify Read-only")) return true;
      const spaces = workspace.spaces ?? [];
      if (!id) return reply.send(200, { data: { spaces: spaces.map(({ id: spaceId, name }) => ({ id: spaceId, name, slug: name.toLowerCase() })), pagination: page(spaces, query).pagination } });
      const space = spaces.find((candidate) => candidate.id === id);
      if (!space) return notFound(`space ${id}`);
      if (sub === "events") return reply.send(200, { data: { events: space.events.map((name) => ({ name })), pagination: { current: "0", next: null } } });
      if (sub === "traits") return reply.send(200, { data: { traits: space.traits.map((key) => ({ key, name: key })), pagination: { current: "0", next: null } } });
      return notFound(`route ${method} /spaces/${id}/${sub ?? ""}`);
    }

    if (root === "delivery-overview" && method === "GET") {
      if (reply.need("Source Read-only")) return true;
      const stage = id as DeliveryStage;
      if (!DELIVERY_STAGES.includes(stage)) return notFound(`delivery overview stage ${id}`);
      for (const param of ["sourceId", "startTime", "endTime", "granularity"]) {
        if (!query[param]) return reply.fail(422, "validation", `${param} is required`);
      }
      const atDestination = stage !== "successfully-received" && stage !== "failed-on-ingest" && stage !== "filtered-at-source";
      if (atDestination && !query.destinationConfigId) return reply.fail(422, "validation", "destinationConfigId is required");
      const from = Date.parse(query.startTime);
      const to = Date.parse(query.endTime);
      if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) return reply.fail(422, "validation", "startTime and endTime must be ISO 8601 with startTime < endTime");
      const limit = GRANULARITY_LIMITS[query.granularity];
      if (!limit) return reply.fail(422, "validation", "granularity must be MINUTE, HOUR or DAY");
      if (to - from > limit.maxRangeMs || from < Date.now() - limit.maxAgeMs) {
        return reply.fail(422, "validation", `a ${query.granularity} window is at most ${limit.maxRangeMs / HOUR_MS} h long and starts at most ${limit.maxAgeMs / HOUR_MS} h ago`);
      }
      const total = stageCounts
        .filter(
          (entry) =>
            entry.stage === stage &&
            entry.sourceId === query.sourceId &&
            (!atDestination || entry.destinationId === query.destinationConfigId) &&
            entry.at >= from &&
            entry.at < to,
        )
        .reduce((sum, entry) => sum + entry.count, 0);
      return reply.send(200, {
        data: { total, dataset: [{ total, series: [{ time: query.startTime, count: total }] }], pagination: { current: "0", next: null } },
      });
    }
    return notFound(`route ${method} /${segments.join("/")}`);
  }

  return api;
}
