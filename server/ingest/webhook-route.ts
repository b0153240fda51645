/**
 * Segment Webhooks (Actions) and classic Webhooks: `POST /ingest/segment/:installationUid`, one event object or a
 * bare array. Authenticated by X-Signature (HMAC-SHA1 with the installation's shared secret) or, when the admin
 * set one, a static `Authorization: Bearer` token. Unsigned requests are refused. Each event is held to Segment's
 * 32 KB, as on the Tracking API.
 */
import type { FastifyInstance } from "fastify";
import { HttpError } from "../http/errors.ts";
import { acceptRawJson } from "../http/raw-json.ts";
import type { Installations } from "../installations/installations.ts";
import type { Ingestor } from "./ingestor.ts";
import { normalizeSegmentEvent } from "./segment-event.ts";
import { constantTimeEqual, verifySegmentSignature } from "./webhook-signature.ts";

export const WEBHOOK_BODY_LIMIT = 16 * 1024 * 1024;
export const MAX_WEBHOOK_BATCH = 4000;

export async function webhookIngestRoutes(app: FastifyInstance, deps: { installations: Installations; ingestor: Ingestor }) {
  acceptRawJson(app, { gzip: true, bodyLimit: WEBHOOK_BODY_LIMIT });

  app.post<{ Params: { installationUid: string } }>("/ingest/segment/:installationUid", async (request, reply) => {
    const { installationUid } = request.params;
    const installation = await deps.ingestor.findInstallation(() => deps.installations.get(installationUid));
    if (!installation) throw new HttpError(404, "unknown_installation", `no installation "${installationUid.slice(0, 64)}"`);
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    const refusal = authenticate(installation.serverConfiguration, request.headers, rawBody, request.body);
    if (refusal) {
      await deps.ingestor.logRefusal(installationUid, "webhook", 401, refusal, rawBody.length);
      throw new HttpError(401, "unauthorized", refusal);
    }
    const body = request.body;
    const events = Array.isArray(body) ? body : [body];
    if (events.length === 0) throw new HttpError(400, "empty_batch", "the batch is empty; send at least one event");
    if (events.length > MAX_WEBHOOK_BATCH) {
      throw new HttpError(400, "batch_too_large", `the batch has ${events.length} events; the limit is ${MAX_WEBHOOK_BATCH}`);
    }
    await deps.ingestor.ensureCapacity();
    const receivedAt = Date.now();
    const results = events.map((event) =>
      normalizeSegmentEvent(event, { source: "webhook", receivedAt, byteLength: Buffer.byteLength(JSON.stringify(event) ?? "") }),
    );
    const outcome = await deps.ingestor.accept(installationUid, results, "webhook");
    if (outcome.accepted === 0) {
      throw new HttpError(400, "invalid_event", `event ${outcome.rejected[0].index}: ${outcome.rejected[0].reason}`);
    }
    return reply.code(200).send({ success: true, ...outcome });
  });
}

function authenticate(
  secrets: { webhookSharedSecret: string; webhookBearerToken: string },
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  parsed: unknown,
): string | null {
  const signature = headers["x-signature"];
  const authorization = headers.authorization;
  if (typeof signature === "string" && signature) {
    if (!secrets.webhookSharedSecret) return "X-Signature was sent but no shared secret is configured for this installation";
    return verifySegmentSignature(secrets.webhookSharedSecret, rawBody, parsed, signature)
      ? null
      : "X-Signature does not match the body signed with the shared secret";
  }
  if (typeof authorization === "string" && authorization) {
    const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim() ?? "";
    if (!secrets.webhookBearerToken) return "Authorization was sent but no bearer token is configured for this installation";
    return constantTimeEqual(token, secrets.webhookBearerToken) ? null : "the bearer token is not valid";
  }
  return "the request is not signed: set the shared secret in Segment (X-Signature) or send the configured bearer token";
}
