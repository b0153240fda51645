/**
 * What one deployment promises each tenant, in one place: every per-installation quota and every server-wide cap
 * that keeps one installation (or an anonymous client) from flooding, stalling or starving the others.
 */
import type { ServerSettings } from "../config.ts";
import type { IngestLimits } from "../ingest/ingestor.ts";

export interface TenantLimits {
  ingest: IngestLimits;
  webhookMaxEventAgeMs: number;
  appTokenMaxAgeSeconds: number;
  liveStreams: { perInstallation: number; total: number };
  api: { perSessionPerMinute: number; perInstallationPerMinute: number };
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
}

export function tenantLimitsOf(settings: ServerSettings): TenantLimits {
  return {
    ingest: {
      maxBacklog: settings.INGEST_MAX_BACKLOG,
      perInstallation: {
        eventsPerSecond: settings.INGEST_EVENTS_PER_SECOND_PER_INSTALLATION,
        burstEvents: settings.INGEST_BURST_EVENTS_PER_INSTALLATION,
        requestsInFlight: settings.INGEST_REQUESTS_IN_FLIGHT_PER_INSTALLATION,
        maxBacklog: settings.INGEST_MAX_BACKLOG_PER_INSTALLATION,
      },
    },
    webhookMaxEventAgeMs: settings.WEBHOOK_MAX_EVENT_AGE_SECONDS * 1000,
    appTokenMaxAgeSeconds: settings.APP_TOKEN_MAX_AGE_SECONDS,
    liveStreams: { perInstallation: settings.LIVE_STREAMS_PER_INSTALLATION, total: settings.LIVE_STREAMS_MAX },
    api: {
      perSessionPerMinute: settings.API_REQUESTS_PER_MINUTE_PER_SESSION,
      perInstallationPerMinute: settings.API_REQUESTS_PER_MINUTE_PER_INSTALLATION,
    },
    http: {
      requestTimeoutMs: settings.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: settings.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: settings.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: settings.HTTP_MAX_CONNECTIONS,
    },
  };
}
