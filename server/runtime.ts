/**
 * Starts one server process from validated settings: opens the store, builds the HTTP app (role api/all), starts
 * the delivery worker (role worker/all) and prunes the log in the background. Used by main.ts and by tests.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { contentstackAppHost } from "../src/shared/regions.ts";
import { createSessionTokens } from "./auth/session-token.ts";
import { createSigningKeyProvider } from "./auth/signing-key.ts";
import { buildApp } from "./app.ts";
import { createProjectDefinitions } from "./audiences/project-definitions.ts";
import { ConfigError, type ServerSettings } from "./config.ts";
import { tenantLimitsOf } from "./http/tenant-limits.ts";
import { createHttpSender } from "./delivery/http-sender.ts";
import { startDeliveryWorker, type DeliveryWorker } from "./delivery/worker.ts";
import { createAssignmentSync, type AssignmentSync } from "./two-way/assignment-sync.ts";
import { createInstallations } from "./installations/installations.ts";
import { createSecretBox, parseSecretKeys } from "./security/secret-box.ts";
import { startAlertMonitor, type AlertMonitor } from "./alerts/alert-monitor.ts";
import { createSyncMetrics } from "./metrics/metrics.ts";
import { openStore } from "./store/open-store.ts";
import type { Store } from "./store/types.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PRUNE_INTERVAL_MS = 60_000;

export interface RunningServer {
  url: string | null;
  app: FastifyInstance | null;
  store: Store;
  worker: DeliveryWorker | null;
  assignmentSync: AssignmentSync;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Extra `frame-ancestors` for the UI's CSP (the local host simulator). */
  frameAncestors?: string[];
  uiDir?: string | null;
  secretKeys: string;
}

export async function startServer(settings: ServerSettings, options: RuntimeOptions): Promise<RunningServer> {
  let secrets;
  try {
    secrets = createSecretBox(parseSecretKeys(options.secretKeys));
  } catch (error) {
    throw new ConfigError(`Invalid configuration: ${(error as Error).message}`);
  }
  const log = pino({ level: settings.LOG_LEVEL });
  const openedStore = await openStore(settings.DATABASE_URL, secrets, {
    onRetry: (reason, delayMs) => log.warn(`${reason}; trying again in ${delayMs} ms`),
  });
  const metrics = createSyncMetrics(openedStore);
  const store = metrics.instrument(openedStore);
  const installations = createInstallations(store);
  const keysUrl = settings.CS_PUBLIC_KEYS_URL ?? `${contentstackAppHost(settings.CS_REGION)}/.well-known/public-keys.json`;

  const sender = createHttpSender({ timeoutMs: settings.DELIVERY_TIMEOUT_MS, connectionsPerOrigin: settings.DELIVERY_CONCURRENCY });
  const sync = createAssignmentSync({
    store,
    installations,
    sender,
    hostAllowlist: settings.PERSONALIZE_HOST_ALLOWLIST,
    segmentHostOverride: settings.SEGMENT_HOST_OVERRIDE,
    timeoutMs: settings.DELIVERY_TIMEOUT_MS,
    minIntervalMs: settings.TWO_WAY_MIN_INTERVAL_MS,
    log,
  });

  const definitions = createProjectDefinitions({ hostAllowlist: settings.PERSONALIZE_HOST_ALLOWLIST, log });

  let app: FastifyInstance | null = null;
  let alerts: AlertMonitor | null = null;
  let url: string | null = null;
  let worker: DeliveryWorker | null = null;
  if (settings.ROLE !== "worker") {
    const uiDir = options.uiDir === undefined ? resolve(PROJECT_ROOT, "dist/ui") : options.uiDir;
    alerts = startAlertMonitor({
      store,
      installations,
      intervalMs: settings.ALERT_CHECK_INTERVAL_MS,
      hostAllowlist: settings.ALERT_WEBHOOK_HOST_ALLOWLIST,
      log,
    });
    app = await buildApp({
      store,
      installations,
      keys: createSigningKeyProvider(keysUrl),
      tokens: createSessionTokens(settings.sessionSecret, settings.SESSION_TTL_SECONDS),
      appUid: settings.APP_UID,
      webhookSignaturePadding: settings.CS_WEBHOOK_SIGNATURE_PADDING,
      limits: tenantLimitsOf(settings),
      uiDir: uiDir && existsSync(uiDir) ? uiDir : null,
      frameAncestors: options.frameAncestors ?? [],
      logLevel: settings.LOG_LEVEL,
      personalizeHostAllowlist: settings.PERSONALIZE_HOST_ALLOWLIST,
      segmentHostOverride: settings.SEGMENT_HOST_OVERRIDE,
      segmentPublicApi: { url: settings.SEGMENT_PUBLIC_API_URL, webhookMetadataId: settings.SEGMENT_WEBHOOK_METADATA_ID },
      checkAssignments: sync.check,
      projectDefinitions: definitions,
      trustProxy: settings.TRUST_PROXY,
      onStaged: () => worker?.noteStaged(),
      metrics,
      metricsToken: settings.METRICS_TOKEN,
      alerts,
    });
    try {
      await app.listen({ port: settings.PORT, host: settings.HOST });
    } catch (error) {
      alerts.stop();
      await store.close();
      throw new ConfigError(`Cannot listen on ${settings.HOST}:${settings.PORT} (PORT/HOST): ${(error as Error).message}`);
    }
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : settings.PORT;
    url = `http://${settings.HOST === "0.0.0.0" ? "localhost" : settings.HOST}:${port}`;
  }

  let pruneTimer: NodeJS.Timeout | null = null;
  if (settings.ROLE !== "api") {
    sync.start();
    worker = startDeliveryWorker(
      store,
      {
        send: (row) => (row.direction === "segment" ? sync.send(row) : sender.send(row.request)),
        onDelivered: (row) => sync.noteDelivered(row),
      },
      {
        concurrency: settings.DELIVERY_CONCURRENCY,
        batchWindowMs: settings.DELIVERY_BATCH_WINDOW_MS,
        planBatchSize: settings.DELIVERY_PLAN_BATCH,
        requestTimeoutMs: settings.DELIVERY_TIMEOUT_MS,
        retryPolicy: {
          baseDelayMs: settings.DELIVERY_RETRY_BASE_MS,
          maxDelayMs: 10 * 60 * 1000,
          maxAgeMs: settings.DELIVERY_MAX_AGE_MS,
        },
        hostAllowlist: settings.PERSONALIZE_HOST_ALLOWLIST,
        requiredTypes: definitions.requiredTypes,
      },
      log,
    );
    pruneTimer = setInterval(() => {
      store.prune(Date.now()).catch((error) => log.warn({ err: error }, "pruning the sync log failed"));
    }, PRUNE_INTERVAL_MS);
    pruneTimer.unref();
  }

  let closed = false;
  return {
    url,
    app,
    store,
    worker,
    assignmentSync: sync,
    async close() {
      if (closed) return;
      closed = true;
      if (pruneTimer) clearInterval(pruneTimer);
      alerts?.stop();
      if (app) await app.close();
      if (worker) await worker.stop(5000);
      sync.stop();
      await sender.close();
      await store.close();
    },
  };
}
