/**
 * Assembles the HTTP server: one Fastify plugin per concern. Ingest and lifecycle routes keep raw bodies for
 * signature checks; every /api route but POST /api/session is registered inside the session plugin; the built UI
 * is served last. Server-wide request, header and keep-alive timeouts and a connection cap keep slow clients from
 * holding the server (TenantLimits.http).
 */
import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { AlertMonitor } from "./alerts/alert-monitor.ts";
import { alertRoutes } from "./alerts/alert-routes.ts";
import type { SignaturePadding } from "./auth/lifecycle-signature.ts";
import { authenticatedApi, sessionRoutes } from "./auth/session-routes.ts";
import type { SessionTokens } from "./auth/session-token.ts";
import type { SigningKeyProvider } from "./auth/signing-key.ts";
import { configApiRoutes } from "./config-api/routes.ts";
import { twoWayRoutes } from "./two-way/routes.ts";
import type { CheckResult } from "./two-way/assignment-sync.ts";
import { installErrorHandling } from "./http/errors.ts";
import { limitJsonDepth } from "./http/json-depth.ts";
import { staticUi } from "./http/static-ui.ts";
import type { TenantLimits } from "./http/tenant-limits.ts";
import { createIngestor } from "./ingest/ingestor.ts";
import { trackingApiRoutes } from "./ingest/tracking-api-routes.ts";
import { webhookIngestRoutes } from "./ingest/webhook-route.ts";
import { installationRoutes } from "./installations/installation-routes.ts";
import type { Installations } from "./installations/installations.ts";
import { lifecycleRoute } from "./installations/lifecycle-route.ts";
import type { SyncMetrics } from "./metrics/metrics.ts";
import type { Store } from "./store/types.ts";
import { syncLogRoutes } from "./sync-log/routes.ts";
import { segmentApiRoutes } from "./segment-public-api/routes.ts";
import type { ProjectDefinitionsCache } from "./audiences/project-definitions.ts";
import { inspectorRoutes } from "./inspector/routes.ts";
import { audienceRoutes } from "./audiences/routes.ts";

export interface AppDependencies {
  store: Store;
  installations: Installations;
  keys: SigningKeyProvider;
  tokens: SessionTokens;
  appUid: string;
  webhookSignaturePadding: SignaturePadding;
  /** Per-installation quotas and server-wide caps. */
  limits: TenantLimits;
  uiDir: string | null;
  frameAncestors: readonly string[];
  logLevel: string;
  /** Personalize hosts (host[:port]) allowed besides the regional ones: the SSRF guard's operator allowlist. */
  personalizeHostAllowlist: readonly string[];
  /** SEGMENT_HOST_OVERRIDE: where two-way Segment calls go instead of the regional host. */
  segmentHostOverride?: string;
  /** SEGMENT_PUBLIC_API_URL and SEGMENT_WEBHOOK_METADATA_ID (one-click Connect). */
  segmentPublicApi?: { url?: string; webhookMetadataId?: string };
  /** The two-way sync's manifest check for one user, on demand. */
  checkAssignments: (installationUid: string, userId: string) => Promise<CheckResult>;
  /** Fastify's trustProxy: whose X-Forwarded-For sets request.ip, which the per-address rate limits key on. */
  trustProxy: boolean | number | string[];
  /** Each installation's Personalize audiences, attributes and experiences (the user inspector reads them). */
  projectDefinitions: ProjectDefinitionsCache;
  /** Called after each committed ingest request (the delivery worker in this process, if any, listens). */
  onStaged?: () => void;
  /** Operator metrics; `GET /metrics` exists only with `metricsToken` (METRICS_TOKEN). */
  metrics?: SyncMetrics;
  metricsToken?: string;
  /** Alert rules checked in this process; their state answers `GET /api/alerts`. */
  alerts?: AlertMonitor;
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.logLevel,
      redact: { paths: ["req.headers.authorization", "req.headers['x-signature']", "req.headers['x-contentstack-request-signature']"], censor: "[masked]" },
    },
    bodyLimit: 1024 * 1024,
    // No per-request logs: app-tokens and stream tokens travel in query strings.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: typeof deps.trustProxy === "number" ? trustHops(deps.trustProxy) : deps.trustProxy,
    requestTimeout: deps.limits.http.requestTimeoutMs,
    keepAliveTimeout: deps.limits.http.keepAliveTimeoutMs,
    // Idle sockets (no bytes either way) are closed; live streams send a heartbeat well within it.
    connectionTimeout: deps.limits.http.requestTimeoutMs,
    // Node checks the request and header timeouts only this often (default 30 s).
    http: { connectionsCheckingInterval: 1000 },
  });
  app.server.headersTimeout = deps.limits.http.headersTimeoutMs;
  app.server.maxConnections = deps.limits.http.maxConnections;
  installErrorHandling(app);
  limitJsonDepth(app);
  if (deps.metrics) await deps.metrics.routes(app, { token: deps.metricsToken });

  app.get("/healthz", async (_request, reply) => {
    const storage = await deps.store.health();
    return reply.code(storage.ok ? 200 : 503).send({ ok: storage.ok, storage });
  });

  const ingestor = createIngestor(deps.store, deps.limits.ingest, app.log, deps.onStaged);
  app.addHook("onClose", async () => ingestor.flush());
  await app.register(webhookIngestRoutes, {
    installations: deps.installations,
    ingestor,
    maxEventAgeMs: deps.limits.webhookMaxEventAgeMs,
  });
  await app.register(trackingApiRoutes, { installations: deps.installations, ingestor });
  await app.register(lifecycleRoute, {
    appUid: deps.appUid,
    keys: deps.keys,
    padding: deps.webhookSignaturePadding,
    installations: deps.installations,
    store: deps.store,
  });
  await app.register(sessionRoutes, {
    appUid: deps.appUid,
    keys: deps.keys,
    tokens: deps.tokens,
    installations: deps.installations,
    store: deps.store,
    appTokenMaxAgeSeconds: deps.limits.appTokenMaxAgeSeconds,
  });
  await app.register(authenticatedApi, {
    tokens: deps.tokens,
    installations: deps.installations,
    limits: deps.limits.api,
    routes: async (api) => {
      await installationRoutes(api, { installations: deps.installations });
      await configApiRoutes(api, {
        store: deps.store,
        installations: deps.installations,
        hostAllowlist: deps.personalizeHostAllowlist,
        segmentHostOverride: deps.segmentHostOverride,
        requiredTypes: deps.projectDefinitions.requiredTypes,
      });
      await twoWayRoutes(api, { check: deps.checkAssignments });
      await syncLogRoutes(api, { store: deps.store, installations: deps.installations, liveStreams: deps.limits.liveStreams });
      await inspectorRoutes(api, {
        store: deps.store,
        installations: deps.installations,
        definitions: deps.projectDefinitions,
        hostAllowlist: deps.personalizeHostAllowlist,
      });
      await audienceRoutes(api, { store: deps.store, installations: deps.installations, definitions: deps.projectDefinitions });
      await segmentApiRoutes(api, {
        store: deps.store,
        installations: deps.installations,
        publicApiUrl: deps.segmentPublicApi?.url,
        webhookMetadataId: deps.segmentPublicApi?.webhookMetadataId,
      });
      if (deps.alerts) await alertRoutes(api, { monitor: deps.alerts });
    },
  });
  if (deps.uiDir) await app.register(staticUi, { uiDir: deps.uiDir, frameAncestors: deps.frameAncestors });
  return app;
}

/** The nearest `hops` proxies are trusted, as Express's numeric trust proxy (Fastify's types take only a function). */
function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}
