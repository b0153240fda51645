/**
 * `POST /api/session` trades a verified app-token for our session token; every other /api route requires that
 * session and sees only its own installation. `POST /api/stream-token` issues the 60-second token the live log's
 * EventSource puts in its URL.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "../http/errors.ts";
import { createRateLimit } from "../http/rate-limit.ts";
import type { Installations } from "../installations/installations.ts";
import { AppTokenError, verifyAppToken } from "./app-token.ts";
import type { SessionClaims, SessionTokens } from "./session-token.ts";
import type { SigningKeyProvider } from "./signing-key.ts";

declare module "fastify" {
  interface FastifyRequest {
    session?: SessionClaims;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  return /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1] ?? null;
}

/** The session of an authenticated /api request; routes call this instead of trusting any id from the client. */
export function sessionOf(request: FastifyRequest): SessionClaims {
  if (!request.session) throw new HttpError(401, "unauthorized", "a session is required");
  return request.session;
}

export async function sessionRoutes(
  app: FastifyInstance,
  deps: { appUid: string; keys: SigningKeyProvider; tokens: SessionTokens; installations: Installations },
) {
  const perIp = createRateLimit({ limit: 60, windowMs: 60_000 });
  const perInstallation = createRateLimit({ limit: 120, windowMs: 60_000 });

  app.post("/api/session", async (request) => {
    perIp.take(request.ip, "session requests from this address");
    const appToken = bearerToken(request);
    if (!appToken) {
      throw new HttpError(401, "missing_app_token", "send the app-token from the page URL as Authorization: Bearer <app-token>");
    }
    let claims;
    try {
      claims = await verifyAppToken(appToken, deps.keys, deps.appUid);
    } catch (error) {
      if (error instanceof AppTokenError) throw new HttpError(401, "invalid_app_token", error.message);
      request.log.error({ err: error }, "app-token verification could not run");
      throw new HttpError(503, "key_unavailable", "Contentstack's signing key could not be fetched; retry shortly", {
        "retry-after": "5",
      });
    }
    perInstallation.take(claims.installationUid, "session requests for this installation");
    const installation = await deps.installations.ensure({
      uid: claims.installationUid,
      stackApiKey: claims.stackApiKey,
      organizationUid: claims.organizationUid,
      appUid: claims.appUid,
    });
    if (installation.stackApiKey !== claims.stackApiKey) {
      throw new HttpError(403, "forbidden", "the app-token's stack does not own this installation");
    }
    const session = await deps.tokens.issue(
      {
        installationUid: claims.installationUid,
        stackApiKey: claims.stackApiKey,
        organizationUid: claims.organizationUid,
        userUid: claims.userUid,
      },
      "session",
    );
    return { ...session, installationUid: claims.installationUid, stackApiKey: claims.stackApiKey };
  });

  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?")[0];
    if (!path.startsWith("/api/") || path === "/api/session") return;
    const streamToken = path.endsWith("/stream") ? new URL(request.url, "http://x").searchParams.get("token") : null;
    const token = streamToken ?? bearerToken(request);
    if (!token) throw new HttpError(401, "unauthorized", "send Authorization: Bearer <session token> (from POST /api/session)");
    const claims = await deps.tokens.verify(token, streamToken ? "stream" : "session");
    if (!claims) throw new HttpError(401, "invalid_session", "the session token is invalid or has expired; reopen the app");
    request.session = claims;
  });

  app.post("/api/stream-token", async (request) => {
    const session = sessionOf(request);
    perInstallation.take(session.installationUid, "stream tokens for this installation");
    return deps.tokens.issue(session, "stream");
  });
}
