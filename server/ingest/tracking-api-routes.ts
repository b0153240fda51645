/**
 * Segment-compatible HTTP Tracking API (segment.md §4): /v1/batch (and /v1/import), /v1/identify, /v1/track,
 * /v1/page, /v1/screen, /v1/group, /v1/alias. The write key we issue authenticates (HTTP Basic username, or
 * `writeKey` in the body). Limits as Segment's: 32 KB per event, 500 KB per request, 2,500 events per batch.
 * Success is `200 {"success": true}`, as Segment answers; items that fail validation are logged as rejected and
 * listed in `rejected` so that nothing valid in the same batch is lost.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "../http/errors.ts";
import { acceptRawJson } from "../http/raw-json.ts";
import type { Installations } from "../installations/installations.ts";
import { authenticatedInstallation, beginIngest, registerIngestRelease } from "./ingest-auth.ts";
import type { Ingestor } from "./ingestor.ts";
import { normalizeSegmentEvent, MAX_EVENT_BYTES, SEGMENT_TYPES } from "./segment-event.ts";

export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export async function trackingApiRoutes(app: FastifyInstance, deps: { installations: Installations; ingestor: Ingestor }) {
  acceptRawJson(app, { gzip: true, bodyLimit: MAX_REQUEST_BYTES });
  registerIngestRelease(app);
  const { ingestor } = deps;

  const byWriteKey = async (writeKey: string) => {
    const installation = await ingestor.findInstallation(() => deps.installations.byWriteKey(writeKey));
    if (!installation) throw new HttpError(401, "invalid_write_key", "the write key is not valid");
    return installation;
  };

  // HTTP Basic (every Segment library): authenticated before the body is read or inflated.
  app.addHook("onRequest", async (request) => {
    const writeKey = basicWriteKey(request);
    if (writeKey) {
      beginIngest(ingestor, request, await byWriteKey(writeKey));
      return;
    }
    const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding !== "identity") {
      throw new HttpError(401, "missing_write_key", "a compressed body needs the write key as the HTTP Basic username");
    }
  });

  /** The installation, from the Basic header (already checked) or, failing that, `writeKey` in the body. */
  const authenticate = async (request: FastifyRequest, body: Record<string, unknown>) => {
    if (request.ingestInstallation) return request.ingestInstallation;
    const writeKey = typeof body.writeKey === "string" && body.writeKey ? body.writeKey : null;
    if (!writeKey) {
      throw new HttpError(401, "missing_write_key", "a write key is required: HTTP Basic username, or writeKey in the body");
    }
    beginIngest(ingestor, request, await byWriteKey(writeKey));
    return authenticatedInstallation(request);
  };

  const batchHandler = async (request: FastifyRequest) => {
    const body = requireObject(request.body);
    const installation = await authenticate(request, body);
    if (!Array.isArray(body.batch)) throw new HttpError(400, "invalid_request", "batch must be an array of events");
    if (body.batch.length > MAX_BATCH_EVENTS) {
      throw new HttpError(400, "batch_too_large", `batch has ${body.batch.length} events; the limit is 2,500 events per batch`);
    }
    if (body.batch.length === 0) throw new HttpError(400, "empty_batch", "batch is empty; send at least one event");
    for (const key of ["context", "integrations"] as const) {
      if (body[key] !== undefined && !isObject(body[key])) throw new HttpError(400, "invalid_request", `${key} must be an object`);
    }
    if (body.sentAt !== undefined && (typeof body.sentAt !== "string" || Number.isNaN(Date.parse(body.sentAt)))) {
      throw new HttpError(400, "invalid_request", "sentAt must be an ISO-8601 date string");
    }
    ingestor.quota.take(installation.uid, body.batch.length);
    await ingestor.ensureCapacity(installation.uid);
    const receivedAt = Date.now();
    const sentAt = typeof body.sentAt === "string" ? body.sentAt : null;
    const results = body.batch.map((item) => {
      const merged = isObject(item) ? mergeBatchLevel(item, body) : item;
      return normalizeSegmentEvent(merged, {
        source: "tracking_api",
        receivedAt,
        sentAt,
        byteLength: Buffer.byteLength(JSON.stringify(item) ?? ""),
      });
    });
    const outcome = await ingestor.accept(installation.uid, results, "tracking_api");
    if (outcome.accepted === 0) {
      throw new HttpError(400, "invalid_event", `batch[${outcome.rejected[0].index}]: ${outcome.rejected[0].reason}`);
    }
    return outcome.rejected.length ? { success: true, rejected: outcome.rejected } : { success: true };
  };

  app.post("/v1/batch", batchHandler);
  app.post("/v1/import", batchHandler);

  for (const type of SEGMENT_TYPES) {
    app.post(`/v1/${type}`, async (request) => {
      const body = requireObject(request.body);
      const installation = await authenticate(request, body);
      const bytes = request.rawBody?.length ?? 0;
      if (bytes > MAX_EVENT_BYTES) {
        throw new HttpError(400, "event_too_large", `event is ${bytes} bytes; the limit is 32 KB (${MAX_EVENT_BYTES} bytes) per call`);
      }
      ingestor.quota.take(installation.uid, 1);
      await ingestor.ensureCapacity(installation.uid);
      const result = normalizeSegmentEvent({ ...body, type }, { source: "tracking_api", receivedAt: Date.now() });
      await ingestor.accept(installation.uid, [result], "tracking_api");
      if (!result.ok) throw new HttpError(400, "invalid_event", result.reason);
      return { success: true };
    });
  }
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new HttpError(400, "invalid_request", "body must be a JSON object");
  return body;
}

function basicWriteKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!basic) return null;
  return Buffer.from(basic[1], "base64").toString("utf8").split(":")[0] || null;
}

function mergeBatchLevel(item: Record<string, unknown>, batch: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...item };
  for (const key of ["context", "integrations"] as const) {
    if (isObject(batch[key])) merged[key] = { ...batch[key], ...(isObject(item[key]) ? item[key] : {}) };
  }
  return merged;
}
