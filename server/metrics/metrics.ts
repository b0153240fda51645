/**
 * Operator metrics in Prometheus text format (prom-client): ingest requests and events, delivery attempts by
 * outcome with a latency histogram, retries, queue depth and age, and open live-log streams. Labels are bounded
 * (route templates, status classes, outcomes, directions): never an installation, user or message id.
 *
 * Counting happens at two seams, so no pipeline module has to know about metrics: the store (every committed ingest
 * request, every recorded attempt, every manual re-queue) and Fastify's request hooks (ingest routes, streams).
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Store } from "../store/types.ts";

const PREFIX = "segment_sync_";
const INGEST_ROUTE = /^\/(ingest\/|v1\/)/;
const STREAM_ROUTE = "/api/log/stream";

export interface SyncMetrics {
  readonly registry: Registry;
  /** The store, counting what passes through it. */
  instrument(store: Store): Store;
  /** Registers the request hooks and `GET /metrics` (bearer `token`; without a token the route does not exist). */
  routes(app: FastifyInstance, options: { token: string | undefined }): Promise<void>;
}

export function createSyncMetrics(store: Store): SyncMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });

  const ingestRequests = new Counter({
    name: `${PREFIX}ingest_requests_total`,
    help: "Ingest HTTP requests (Webhooks destination and Tracking API) by route template and status class",
    labelNames: ["route", "status_class"] as const,
    registers: [registry],
  });
  const ingestDuration = new Histogram({
    name: `${PREFIX}ingest_request_duration_seconds`,
    help: "Time to answer an ingest request (accepted events are committed before the answer)",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const ingestedEvents = new Counter({
    name: `${PREFIX}ingested_events_total`,
    help: "Events accepted and committed by ingest",
    registers: [registry],
  });
  const attempts = new Counter({
    name: `${PREFIX}delivery_attempts_total`,
    help: "Delivery attempts by direction (personalize, segment), outcome and trigger (scheduled, manual)",
    labelNames: ["direction", "outcome", "trigger"] as const,
    registers: [registry],
  });
  const attemptLatency = new Histogram({
    name: `${PREFIX}delivery_latency_seconds`,
    help: "Latency of one delivery attempt (request to response or failure)",
    labelNames: ["direction"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retries = new Counter({
    name: `${PREFIX}retries_total`,
    help: "Retries: scheduled by the retry policy, or requested from the sync log (manual)",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const streams = new Gauge({
    name: `${PREFIX}log_streams_open`,
    help: "Open live sync-log streams (server-sent events)",
    registers: [registry],
  });
  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: "Accepted events not yet delivered, filtered or failed (what ingest backpressure measures)",
    registers: [registry],
    async collect() {
      this.set(await store.unsettledBacklog());
    },
  });
  new Gauge({
    name: `${PREFIX}queue_oldest_unplanned_age_seconds`,
    help: "Age of the oldest accepted event not yet planned into requests; 0 when there is none",
    registers: [registry],
    async collect() {
      const oldest = await store.oldestUnplanned();
      this.set(oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });

  return {
    registry,
    instrument(target) {
      // The pipeline calls the store constantly: each method is wrapped (or bound) once, on first use.
      const methods = new Map<PropertyKey, unknown>();
      return new Proxy(target, {
        get(object, property, receiver) {
          if (methods.has(property)) return methods.get(property);
          const value = Reflect.get(object, property, receiver);
          if (typeof value !== "function") return value;
          const method = wrap(object, property, value);
          methods.set(property, method);
          return method;
        },
      });

      function wrap(object: Store, property: PropertyKey, value: Function): unknown {
        if (property === "stageInbound") {
          return async (...args: Parameters<Store["stageInbound"]>) => {
            await object.stageInbound(...args);
            ingestedEvents.inc(args[1].length);
          };
        }
        if (property === "recordAttempt") {
          return async (...args: Parameters<Store["recordAttempt"]>) => {
            await object.recordAttempt(...args);
            const [row, outcome, , trigger] = args;
            attempts.inc({ direction: row.direction, outcome: outcome.status, trigger });
            attemptLatency.observe({ direction: row.direction }, outcome.latencyMs / 1000);
            if (outcome.status === "pending_retry") retries.inc({ kind: "scheduled" });
          };
        }
        if (property === "retryOutbound" || property === "retryNow") {
          return async (...args: Parameters<Store["retryOutbound"]>) => {
            const requeued = await object[property](...args);
            retries.inc({ kind: "manual" }, requeued.length);
            return requeued;
          };
        }
        return value.bind(object);
      }
    },
    async routes(app, { token }) {
      const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? "unmatched";
      app.addHook("onRequest", async (request) => {
        if (routeOf(request) === STREAM_ROUTE) streams.inc();
      });
      app.addHook("onResponse", async (request, reply) => {
        const route = routeOf(request);
        if (route === STREAM_ROUTE) streams.dec();
        if (!INGEST_ROUTE.test(route)) return;
        ingestRequests.inc({ route, status_class: `${Math.floor(reply.statusCode / 100)}xx` });
        ingestDuration.observe({ route }, reply.elapsedTime / 1000);
      });
      if (!token) return;
      const expected = Buffer.from(`Bearer ${token}`);
      app.get("/metrics", async (request, reply) => {
        const given = Buffer.from(request.headers.authorization ?? "");
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized", message: "authorization: the metrics token is required (Bearer METRICS_TOKEN)" });
        }
        return reply.type(registry.contentType).send(await registry.metrics());
      });
    },
  };
}
