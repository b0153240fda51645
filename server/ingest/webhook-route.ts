/**
 * Segment Webhooks (Actions) and classic Webhooks: `POST /ingest/segment/:installationUid`, one event object or a
 * bare array. Authenticated by X-Signature over the whole body (HMAC-SHA1 with the installation's shared secret)
 * or by the installation's static `Authorization: Bearer` token; unsigned requests, and batches whose signature
 * does not cover every element, are refused. Authentication happens before the body is parsed: a bearer token in
 * `onRequest`, a signature while the body streams in. Signed events are also held to a replay window: an event
 * whose Segment `receivedAt` is older than Segment's 4-hour retry period (plus margin) is refused, and within the
 * window a replay is de-duplicated by its signed messageId. Each event is held to Segment's 32 KB.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "../http/errors.ts";
import { acceptRawJson } from "../http/raw-json.ts";
import type { Installations } from "../installations/installations.ts";
import { secretsEqual } from "../security/secret-compare.ts";
import { authenticatedInstallation, beginIngest, refuse, registerIngestRelease } from "./ingest-auth.ts";
import type { Ingestor } from "./ingestor.ts";
import { normalizeSegmentEvent, type NormalizeResult } from "./segment-event.ts";
import { SignatureCheck } from "./webhook-signature.ts";

export const WEBHOOK_BODY_LIMIT = 16 * 1024 * 1024;
export const MAX_WEBHOOK_BATCH = 4000;
/** Segment retries for 4 hours; a signed event older than this (by its receivedAt) is a replay. */
export const DEFAULT_WEBHOOK_MAX_EVENT_AGE_MS = 5 * 3600 * 1000;
const MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000;

const NOT_AUTHENTICATED =
  "the request is not authenticated for this installation: X-Signature does not match the whole body signed with its shared secret, or the bearer token is not valid";
const UNSIGNED =
  "the request is not signed: set the shared secret in Segment (X-Signature) or send the configured bearer token";

export async function webhookIngestRoutes(
  app: FastifyInstance,
  deps: { installations: Installations; ingestor: Ingestor; maxEventAgeMs?: number },
) {
  acceptRawJson(app, { gzip: true, bodyLimit: WEBHOOK_BODY_LIMIT });
  registerIngestRelease(app);
  const maxEventAgeMs = deps.maxEventAgeMs ?? DEFAULT_WEBHOOK_MAX_EVENT_AGE_MS;
  const { ingestor } = deps;

  const authenticate = async (request: FastifyRequest<{ Params: { installationUid: string } }>) => {
    const installation = await ingestor.findInstallation(() => deps.installations.get(request.params.installationUid));
    const signature = stringHeader(request.headers["x-signature"]);
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(stringHeader(request.headers.authorization) ?? "")?.[1] ?? null;
    if (!signature && !bearer) throw refuse(ingestor, installation, new HttpError(401, "unsigned", UNSIGNED));
    const secrets = installation?.serverConfiguration;
    if (bearer !== null && secrets && secretsEqual(bearer, secrets.webhookBearerToken)) {
      beginIngest(ingestor, request, installation!);
      return;
    }
    if (!signature) throw refuse(ingestor, installation, new HttpError(401, "unauthorized", NOT_AUTHENTICATED));
    const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding !== "identity") {
      throw new HttpError(415, "unsupported_encoding", "a body signed with X-Signature must be sent uncompressed (Segment does)");
    }
    if (installation) beginIngest(ingestor, request, installation);
    request.pendingSignature = { header: signature, secret: secrets?.webhookSharedSecret || null };
  };

  app.post<{ Params: { installationUid: string } }>(
    "/ingest/segment/:installationUid",
    {
      onRequest: authenticate,
      preParsing: async (request, _reply, payload) => {
        const pending = request.pendingSignature;
        if (!pending) return payload;
        const installation = request.ingestInstallation ?? null;
        const check = new SignatureCheck(pending.secret, pending.header, () =>
          refuse(ingestor, installation, new HttpError(401, "unauthorized", NOT_AUTHENTICATED)),
        );
        payload.on("error", (error) => check.destroy(error));
        return payload.pipe(check);
      },
    },
    async (request, reply) => {
      const installation = authenticatedInstallation(request);
      const body = request.body;
      const events = Array.isArray(body) ? body : [body];
      if (events.length === 0) throw new HttpError(400, "empty_batch", "the batch is empty; send at least one event");
      if (events.length > MAX_WEBHOOK_BATCH) {
        throw new HttpError(400, "batch_too_large", `the batch has ${events.length} events; the limit is ${MAX_WEBHOOK_BATCH}`);
      }
      ingestor.quota.take(installation.uid, events.length);
      await ingestor.ensureCapacity(installation.uid);
      const receivedAt = Date.now();
      const signed = Boolean(request.pendingSignature);
      const results = events.map((event): NormalizeResult => {
        const stale = signed ? replayProblem(event, receivedAt, maxEventAgeMs) : null;
        if (stale) return { ok: false, reason: stale, messageId: null, userId: null, eventType: null };
        return normalizeSegmentEvent(event, { source: "webhook", receivedAt, byteLength: Buffer.byteLength(JSON.stringify(event) ?? "") });
      });
      const outcome = await ingestor.accept(installation.uid, results, "webhook");
      if (outcome.accepted === 0) {
        throw new HttpError(400, "invalid_event", `event ${outcome.rejected[0].index}: ${outcome.rejected[0].reason}`);
      }
      return reply.code(200).send({ success: true, ...outcome });
    },
  );
}

declare module "fastify" {
  interface FastifyRequest {
    pendingSignature?: { header: string; secret: string | null };
  }
}

function stringHeader(value: string | string[] | undefined): string | null {
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

/** A signed event carrying Segment's `receivedAt` outside the retry window is a captured request sent again. */
function replayProblem(event: unknown, now: number, maxAgeMs: number): string | null {
  if (typeof event !== "object" || event === null) return null;
  const receivedAt = (event as Record<string, unknown>).receivedAt;
  if (typeof receivedAt !== "string") return null;
  const at = Date.parse(receivedAt);
  if (Number.isNaN(at)) return "receivedAt must be an ISO-8601 date string";
  if (now - at > maxAgeMs) {
    return `receivedAt is more than ${Math.round(maxAgeMs / 3600_000)} h old: Segment stops retrying after 4 h, so this is a replay`;
  }
  if (at - now > MAX_CLOCK_AHEAD_MS) return "receivedAt is more than 5 minutes in the future";
  return null;
}
