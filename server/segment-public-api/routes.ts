/**
 * The Segment Public API routes for the UI (the contract is src/shared/segment-connect.ts): list the workspace's
 * sources with each one's connection, Connect and Disconnect, mapping suggestions from tracking plans and Unify,
 * and Segment's delivery-overview stages beside ours. The token comes from the draft or, when the draft leaves
 * it empty, from the saved installation; it is never sent back. A Segment failure is a result in the body (with
 * the role to add on a 403), never our own 401.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { segmentPublicApiUrl } from "../../src/shared/regions.ts";
import {
  connectRequestSchema,
  disconnectRequestSchema,
  funnelQuerySchema,
  segmentDraftSchema,
  type ConnectOutcome,
  type ConnectResult,
  type DisconnectResult,
  type SegmentFunnel,
  type SegmentSourcesResult,
  type SegmentSuggestions,
} from "../../src/shared/segment-connect.ts";
import type { InstallationData } from "../../src/shared/installation-config.ts";
import { fieldError, parseBody, sessionInstallation, withSavedSecrets } from "../config-api/draft.ts";
import { HttpError } from "../http/errors.ts";
import type { Installations } from "../installations/installations.ts";
import { summarizeLog } from "../sync-log/log-summary.ts";
import type { Store } from "../store/types.ts";
import { createRateLimiter } from "../personalize-management/rate-limiter.ts";
import { createPublicApiClient, type PublicApi } from "./client.ts";
import { connectSource, describeConnection, disconnectSource, listOurDestinations, type ConnectContext } from "./connection.ts";
import { granularityFor, segmentFunnelStages } from "./funnel.ts";
import { segmentProblem } from "./problems.ts";
import { loadSegmentSuggestions } from "./suggestions.ts";
import { WEBHOOK_METADATA_ID } from "./webhook-destination.ts";

export interface SegmentApiRouteDependencies {
  store: Store;
  installations: Installations;
  /** SEGMENT_PUBLIC_API_URL: replaces the regional Public API base URL (the local emulator, proxies). */
  publicApiUrl?: string;
  /** SEGMENT_WEBHOOK_METADATA_ID: the Webhooks (Actions) catalog id, if Segment's differs from segment.md's. */
  webhookMetadataId?: string;
}

const DAY_MS = 86_400_000;
/** Segment keeps delivery-overview data for 30 days. */
const FUNNEL_MAX_AGE_MS = 30 * DAY_MS;
const FUNNEL_CACHE_MS = 60_000;
const RECENT_ROWS = 200;
/**
 * Our own pace per token, so no installation can make this server burst at Segment. The per-endpoint limits
 * (25 to 200 requests/min, segment.md §8) are met by the cache and by honouring 429s (client.ts).
 */
const PUBLIC_API_BUDGET = { limit: 10, windowMs: 1000 };

export async function segmentApiRoutes(app: FastifyInstance, deps: SegmentApiRouteDependencies) {
  const client = createPublicApiClient({ cacheTtlMs: 60_000, limiter: createRateLimiter(PUBLIC_API_BUDGET) });
  const metadataId = deps.webhookMetadataId ?? WEBHOOK_METADATA_ID;
  const funnelCache = new Map<string, { expires: number; value: SegmentFunnel }>();

  const apiFor = (data: InstallationData): PublicApi => {
    const token = data.serverConfiguration.segmentPublicApiToken;
    if (!token) throw fieldError(["serverConfiguration", "segmentPublicApiToken"], "is required to use Segment's Public API");
    return client({ baseUrl: deps.publicApiUrl ?? segmentPublicApiUrl(data.configuration.segment.region), token });
  };

  /** The draft with the saved secrets filled in, and the session's installation uid. */
  const openDraft = async (request: FastifyRequest, draft: InstallationData) => {
    const installation = await sessionInstallation(deps.installations, request);
    const data = { ...draft, serverConfiguration: withSavedSecrets(draft.serverConfiguration, installation.serverConfiguration) };
    return { data, installationUid: installation.uid };
  };

  const latestWebhookEvent = async (installationUid: string) => {
    const rows = await deps.store.queryLog({ installationUid, directions: ["inbound"], limit: RECENT_ROWS });
    const row = rows.find((candidate) => candidate.detail?.source === "webhook" && candidate.status !== "rejected");
    return row ? { receivedAt: row.createdAt, type: row.eventType ?? "unknown", name: row.eventName } : null;
  };

  const contextFor = (data: InstallationData, installationUid: string, ingestUrl: string): ConnectContext => ({
    api: apiFor(data),
    metadataId,
    installationUid,
    configuration: data.configuration,
    secrets: data.serverConfiguration,
    ingestUrl,
  });

  /** Only this installation's ingest path is accepted, on the origin the admin's browser sees. */
  const checkIngestUrl = (url: string, installationUid: string) => {
    const parsed = new URL(url);
    if (!/^https?:$/.test(parsed.protocol) || parsed.pathname !== `/ingest/segment/${installationUid}` || parsed.search || parsed.username) {
      throw fieldError(["ingestUrl"], `must be this installation's webhook URL, ending in /ingest/segment/${installationUid}`);
    }
    return parsed.toString();
  };

  app.post("/api/segment/sources", async (request): Promise<SegmentSourcesResult> => {
    const body = parseBody(segmentDraftSchema.extend({ ingestUrl: connectRequestSchema.shape.ingestUrl }), request.body);
    const { data, installationUid } = await openDraft(request, body);
    const context = contextFor(data, installationUid, checkIngestUrl(body.ingestUrl, installationUid));
    try {
      const sources = await context.api.list<{ id: string; name: string; slug: string; enabled: boolean }>("/sources", "sources");
      const ours = await listOurDestinations(context.api, metadataId, installationUid);
      const latest = await latestWebhookEvent(installationUid);
      const result = [];
      for (const source of sources) {
        const connection = await describeConnection(context, source.id, latest, ours.get(source.id) ?? null);
        result.push({ id: source.id, name: source.name, slug: source.slug, enabled: source.enabled !== false, connection });
      }
      return { ok: true, sources: result, problem: null };
    } catch (error) {
      return { ok: false, sources: [], problem: segmentProblem(error, "listSources") };
    }
  });

  app.post("/api/segment/connect", async (request): Promise<ConnectResult> => {
    const body = parseBody(connectRequestSchema, request.body);
    const { data, installationUid } = await openDraft(request, body);
    const context = contextFor(data, installationUid, checkIngestUrl(body.ingestUrl, installationUid));
    const latest = await latestWebhookEvent(installationUid);
    const outcomes: ConnectOutcome[] = [];
    for (const sourceId of [...new Set(body.sourceIds)]) {
      try {
        const { changes } = await connectSource(context, sourceId);
        outcomes.push({ sourceId, ok: true, changes, problem: null, connection: await describeConnection(context, sourceId, latest) });
      } catch (error) {
        outcomes.push({ sourceId, ok: false, changes: [], problem: segmentProblem(error, "connect"), connection: null });
      }
    }
    return { outcomes };
  });

  app.post("/api/segment/disconnect", async (request): Promise<DisconnectResult> => {
    const body = parseBody(disconnectRequestSchema, request.body);
    const { data, installationUid } = await openDraft(request, body);
    try {
      const removed = await disconnectSource(apiFor(data), metadataId, installationUid, body.sourceId);
      return { sourceId: body.sourceId, ok: true, removed, problem: null };
    } catch (error) {
      return { sourceId: body.sourceId, ok: false, removed: [], problem: segmentProblem(error, "connect") };
    }
  });

  app.post("/api/segment/suggestions", async (request): Promise<SegmentSuggestions> => {
    const { data } = await openDraft(request, parseBody(segmentDraftSchema, request.body));
    return loadSegmentSuggestions(apiFor(data));
  });

  app.get("/api/segment/funnel", async (request): Promise<SegmentFunnel> => {
    const query = funnelQuerySchema.safeParse(request.query);
    if (!query.success) throw new HttpError(400, "invalid_request", "from and to must be epoch milliseconds");
    const now = Date.now();
    const to = Math.min(query.data.to, now);
    const from = Math.max(query.data.from, to - FUNNEL_MAX_AGE_MS, now - FUNNEL_MAX_AGE_MS);
    if (from >= to) throw new HttpError(400, "invalid_request", "to must be later than from, within the last 30 days");
    const installation = await sessionInstallation(deps.installations, request);
    const key = `${installation.uid} ${from} ${to}`;
    const cached = funnelCache.get(key);
    if (cached && cached.expires > now) return cached.value;

    const summary = await summarizeLog(deps.store, installation.uid, {}, { from, to, fitToData: false });
    const base: SegmentFunnel = {
      window: { from, to, granularity: granularityFor({ from, to }, now) },
      destinations: [],
      ours: summary.funnel,
      problem: null,
      fetchedAt: now,
    };
    if (!installation.serverConfiguration.segmentPublicApiToken) return base;
    let value: SegmentFunnel;
    try {
      const api = apiFor({ configuration: installation.configuration, serverConfiguration: installation.serverConfiguration });
      value = { ...base, destinations: await segmentFunnelStages(api, { metadataId, installationUid: installation.uid }, { from, to }) };
    } catch (error) {
      value = { ...base, problem: segmentProblem(error, "deliveryOverview") };
    }
    if (funnelCache.size > 1000) funnelCache.clear();
    funnelCache.set(key, { expires: now + FUNNEL_CACHE_MS, value });
    return value;
  });
}
