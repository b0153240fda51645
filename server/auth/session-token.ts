/**
 * Our own short-lived session token (HS256), scoped to one installation. Issued after the app-token is verified;
 * every /api call carries it. A stream token is the same thing with a 60 s life and its own type, for
 * EventSource, which cannot send an Authorization header; it carries its session's expiry (`sexp`), and the live
 * stream it opens ends then.
 */
import { SignJWT, jwtVerify } from "jose";

export interface SessionClaims {
  installationUid: string;
  stackApiKey: string;
  organizationUid: string;
  userUid: string;
}

export interface VerifiedSession extends SessionClaims {
  /** When the session was issued (ms), the stream token's session included. */
  issuedAt: number;
  /** When the session ends (ms): a stream token's session, not the 60-s stream token itself. */
  sessionExpiresAt: number;
}

export type TokenType = "session" | "stream";

export function createSessionTokens(secret: string, sessionTtlSeconds: number) {
  const key = new TextEncoder().encode(secret);
  const ttl: Record<TokenType, number> = { session: sessionTtlSeconds, stream: 60 };
  return {
    /** A stream token is issued from a session (`from`): it never outlives it and keeps its issue time. */
    /**
     * `expiresInSeconds` lets a client whose clock is off time the token by its own clock; `expiresAt` is the
     * server's.
     */
    async issue(
      claims: SessionClaims,
      type: TokenType,
      from?: VerifiedSession,
    ): Promise<{ token: string; expiresAt: string; expiresInSeconds: number }> {
      const now = Math.floor(Date.now() / 1000);
      const sessionExp = from ? Math.floor(from.sessionExpiresAt / 1000) : now + ttl.session;
      const exp = Math.min(now + ttl[type], sessionExp);
      const token = await new SignJWT({
        typ: type,
        stk: claims.stackApiKey,
        org: claims.organizationUid,
        usr: claims.userUid,
        sexp: sessionExp,
        siat: from ? Math.floor(from.issuedAt / 1000) : now,
      })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(claims.installationUid)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000).toISOString(), expiresInSeconds: exp - now };
    },
    /** Resolves the claims or null when the token is not a valid, unexpired token of that type. */
    async verify(token: string, type: TokenType): Promise<VerifiedSession | null> {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], requiredClaims: ["exp", "sub", "iat"] });
        if (payload.typ !== type) return null;
        return {
          installationUid: String(payload.sub),
          stackApiKey: String(payload.stk ?? ""),
          organizationUid: String(payload.org ?? ""),
          userUid: String(payload.usr ?? ""),
          issuedAt: Number(payload.siat ?? payload.iat) * 1000,
          sessionExpiresAt: Number(payload.sexp ?? payload.exp) * 1000,
        };
      } catch {
        return null;
      }
    },
  };
}
export type SessionTokens = ReturnType<typeof createSessionTokens>;
