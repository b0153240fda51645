/**
 * `POST /api/session` trades a verified, recent app-token for our session token. Every other /api route is
 * registered inside `authenticatedApi`, an encapsulated plugin whose onRequest hook requires a live session: auth is
 * carried by registration, not by matching the URL, so no spelling of a path (`/%61pi/…`) can reach a handler
 * without it. A session ends when its installation is uninstalled (or re-created), and is rate-limited per session
 * and per installation. `POST /api/stream-token` issues the 60-second token the live log's EventSource puts in its
 * URL; routes that take it say so with `config: { auth: "stream" }`.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "../http/errors.ts";
import { createRateLimit } from "../http/rate-limit.ts";
import type { Installations } from "../installations/installations.ts";
import type { Store } from "../store/types.ts";
import { AppTokenError, verifyAppToken } from "./app-token.ts";
import type { SessionTokens, VerifiedSession } from "./session-token.ts";
import type { SigningKeyProvider } from "./signing-key.ts";

declare module "fastify" {
  interface FastifyRequest {
    session?: VerifiedSession;
  }
  interface FastifyContextConfig {
    /** "stream": the route takes a stream token in `?token=` instead of the session's bearer header. */
    auth?: "stream";
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  return /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1] ?? null;
}

/** The session of an authenticated /api request; routes call this instead of trusting any id from the client. */
export function sessionOf(request: FastifyRequest): VerifiedSession {
  if (!request.session) throw new HttpError(401, "unauthorized", "a session is required");
  return request.session;
}

/** Why a verified session no longer holds (its installation was uninstalled or re-created since), or null. */
export async function sessionEnded(installations: Installations, session: VerifiedSession): Promise<string | null> {
  const installation = await installations.get(session.installationUid);
  if (!installation) return "this installation was uninstalled; the session has ended";
  // Sessions are dated in whole seconds; the installation in milliseconds.
  if (installation.createdAt > session.issuedAt + 1000) return "this installation was reinstalled after the session began; reopen the app";
  return null;
}

export async function sessionRoutes(
  app: FastifyInstance,
  deps: {
    appUid: string;
    keys: SigningKeyProvider;
    tokens: SessionTokens;
    installations: Installations;
    store: Store;
    appTokenMaxAgeSeconds: number;
  },
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
      claims = await verifyAppToken(appToken, deps.keys, deps.appUid, deps.appTokenMaxAgeSeconds);
    } catch (error) {
      if (error instanceof AppTokenError) throw new HttpError(401, "invalid_app_token", error.message);
      request.log.error({ err: error }, "app-token verification could not run");
      throw new HttpError(503, "key_unavailable", "Contentstack's signing key could not be fetched; retry shortly", {
        "retry-after": "5",
      });
    }
    perInstallation.take(claims.installationUid, "session requests for this installation");
    const record = await deps.store.lifecycleRecord(claims.installationUid);
    if (record?.uninstalledAt != null) {
      throw new HttpError(401, "uninstalled", "this installation was uninstalled; an app-token cannot re-create it (install the app again)");
    }
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
}

/**
 * Registers `routes` behind the session: call it with every /api route except POST /api/session. Rate limits: per
 * session and per installation, per minute (429 with Retry-After).
 */
export async function authenticatedApi(
  app: FastifyInstance,
  deps: {
    tokens: SessionTokens;
    installations: Installations;
    limits: { perSessionPerMinute: number; perInstallationPerMinute: number };
    routes: (api: FastifyInstance) => Promise<void>;
  },
) {
  const perSession = createRateLimit({ limit: deps.limits.perSessionPerMinute, windowMs: 60_000 });
  const perInstallation = createRateLimit({ limit: deps.limits.perInstallationPerMinute, windowMs: 60_000 });

  app.addHook("onRequest", async (request) => {
    const stream = request.routeOptions.config.auth === "stream";
    const token = stream ? new URL(request.url, "http://x").searchParams.get("token") : bearerToken(request);
    if (!token) {
      throw new HttpError(
        401,
        "unauthorized",
        stream ? "send ?token=<stream token> (from POST /api/stream-token)" : "send Authorization: Bearer <session token> (from POST /api/session)",
      );
    }
    const session = await deps.tokens.verify(token, stream ? "stream" : "session");
    if (!session) throw new HttpError(401, "invalid_session", "the session token is invalid or has expired; reopen the app");
    const ended = await sessionEnded(deps.installations, session);
    if (ended) throw new HttpError(401, "session_ended", ended);
    perSession.take(`${session.installationUid}\u0000${session.userUid}\u0000${session.issuedAt}`, "API requests in this session");
    perInstallation.take(session.installationUid, "API requests for this installation");
    request.session = session;
  });

  app.post("/api/stream-token", async (request) => {
    const session = sessionOf(request);
    return deps.tokens.issue(session, "stream", session);
  });

  await deps.routes(app);
}
