/**
 * The sync-log API under /api/log: list with cursor pagination, detail, summary, live stream, retry (one row or a
 * filtered view as a job), export, recent events for the config screen's tester, and retention. Every route reads
 * the installation from the session, never from the client, so one installation can never see another's rows.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sessionEnded, sessionOf } from "../auth/session-routes.ts";
import { HttpError } from "../http/errors.ts";
import { createStreamAdmission } from "../http/stream-admission.ts";
import type { Installations } from "../installations/installations.ts";
import type { LogStatus, Store } from "../store/types.ts";
import { createRetryJobs } from "./bulk-retry.ts";
import { loadLogDetail } from "./log-detail.ts";
import { exportLog } from "./log-export.ts";
import { pageSchema, parseLogFilter, parseParams } from "./log-filter.ts";
import { createLogStreams } from "./log-stream.ts";
import { parseSummaryPeriod, summarizeLog } from "./log-summary.ts";
import { maskSecrets, outboundIdsOf, toLogItem } from "./log-view.ts";

const DEFAULT_PAGE = 50;
/** Inbound rows that carry the event as received (a rejected request is logged without its body). */
const EVENT_STATUSES: LogStatus[] = ["queued", "processing", "pending_retry", "delivered", "filtered", "deduplicated", "failed", "dead_lettered"];

const rowIdSchema = z.object({ id: z.string().regex(/^\d{1,15}$/, "must be a row id").transform(Number) });
const exportSchema = z.object({ format: z.enum(["csv", "json"], { error: 'must be "csv" or "json"' }).default("csv") });
const recentSchema = z.object({ limit: z.coerce.number().int().min(1).max(100, "must be at most 100").default(20) });

export async function syncLogRoutes(
  app: FastifyInstance,
  deps: { store: Store; installations: Installations; liveStreams: { perInstallation: number; total: number } },
) {
  const { store } = deps;
  const streams = createLogStreams(store, {
    admission: createStreamAdmission(deps.liveStreams),
    sessionEnded: (session) => sessionEnded(deps.installations, session),
  });
  const retryJobs = createRetryJobs(store, app.log);
  app.addHook("preClose", async () => streams.closeAll());

  app.get("/api/log", async (request) => {
    const { installationUid } = sessionOf(request);
    const filter = parseLogFilter(request.query);
    const page = parseParams(pageSchema, request.query);
    const limit = page.limit ?? DEFAULT_PAGE;
    const rows = await store.queryLog({ ...filter, installationUid, beforeId: page.cursor, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toLogItem);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  });

  app.get("/api/log/summary", async (request) => {
    const { installationUid } = sessionOf(request);
    const filter = parseLogFilter(request.query);
    const [summary, unauthenticatedRequests] = await Promise.all([
      summarizeLog(store, installationUid, filter, parseSummaryPeriod(filter, Date.now())),
      store.unauthenticatedRefusals(installationUid),
    ]);
    return { ...summary, refusedUnauthenticatedRequests: unauthenticatedRequests };
  });

  app.get("/api/log/stream", { config: { auth: "stream" } }, async (request, reply) => {
    const { token: _token, ...query } = request.query as Record<string, unknown>;
    streams.serve(request, reply, sessionOf(request), parseLogFilter(query));
    return reply;
  });

  app.get("/api/log/export", async (request, reply) => {
    const { installationUid } = sessionOf(request);
    const { format, ...query } = request.query as Record<string, unknown>;
    const parsed = parseParams(exportSchema, { format });
    const filter = parseLogFilter(query);
    const stamp = new Date().toISOString().replaceAll(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    return reply
      .header("content-type", parsed.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8")
      .header("content-disposition", `attachment; filename="sync-log-${stamp}.${parsed.format}"`)
      .header("cache-control", "no-store")
      .send(exportLog(store, installationUid, filter, parsed.format));
  });

  app.get("/api/log/recent-events", async (request) => {
    const { installationUid } = sessionOf(request);
    const { limit } = parseParams(recentSchema, request.query);
    const rows = await store.queryLog({ installationUid, directions: ["inbound"], statuses: EVENT_STATUSES, limit });
    return {
      items: rows.map((row) => ({
        id: String(row.id),
        receivedAt: new Date(row.createdAt).toISOString(),
        type: row.eventType,
        name: row.eventName,
        userId: row.userId,
        payload: maskSecrets(row.payload),
      })),
    };
  });

  app.get("/api/log/retention", async (request) => {
    const { installationUid } = sessionOf(request);
    const installation = await deps.installations.get(installationUid);
    if (!installation) throw new HttpError(404, "unknown_installation", "this installation was removed; reinstall the app");
    const extent = await store.logExtent(installationUid);
    return { ...installation.configuration.retention, ...extent };
  });

  app.post("/api/log/retry", async (request, reply) => {
    const { installationUid } = sessionOf(request);
    const job = await retryJobs.start(installationUid, parseLogFilter(request.body));
    return reply.code(202).send(job);
  });

  app.get<{ Params: { jobId: string } }>("/api/log/retry/:jobId", async (request) => {
    const { installationUid } = sessionOf(request);
    const job = await retryJobs.get(installationUid, request.params.jobId);
    if (!job) throw new HttpError(404, "not_found", "no such retry job");
    return job;
  });

  app.post<{ Params: { jobId: string } }>("/api/log/retry/:jobId/cancel", async (request) => {
    const { installationUid } = sessionOf(request);
    const job = await retryJobs.cancel(installationUid, request.params.jobId);
    if (!job) throw new HttpError(404, "not_found", "no such retry job");
    return job;
  });

  app.get("/api/log/:id", async (request) => {
    const { installationUid } = sessionOf(request);
    const { id } = parseParams(rowIdSchema, request.params);
    const detail = await loadLogDetail(store, installationUid, id);
    if (!detail) throw new HttpError(404, "not_found", `no log row ${id}`);
    return detail;
  });

  app.post("/api/log/:id/retry", async (request) => {
    const { installationUid } = sessionOf(request);
    const { id } = parseParams(rowIdSchema, request.params);
    const [row] = await store.getLogRows(installationUid, [id]);
    if (!row) throw new HttpError(404, "not_found", `no log row ${id}`);
    const outbound = outboundIdsOf(row);
    const requeued = await store.retryOutbound(installationUid, outbound, Date.now());
    // A request still waiting for its scheduled retry goes out now instead ("Retry now").
    const expedited = await store.retryNow(installationUid, outbound.filter((outboundId) => !requeued.includes(outboundId)), Date.now());
    if (requeued.length === 0 && expedited.length === 0) {
      throw new HttpError(
        409,
        "not_retryable",
        `row ${id} is ${row.status.replaceAll("_", " ")}; only failed, dead-lettered or pending-retry deliveries can be retried`,
      );
    }
    return { requeued: [...requeued, ...expedited] };
  });
}
