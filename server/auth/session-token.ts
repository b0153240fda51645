/**
 * Our own short-lived session token (HS256), scoped to one installation. Issued after the app-token is verified;
 * every /api call carries it. A stream token is the same thing with a 60 s life and its own type, for
 * EventSource, which cannot send an Authorization header.
 */
import { SignJWT, jwtVerify } from "jose";

export interface SessionClaims {
  installationUid: string;
  stackApiKey: string;
  organizationUid: string;
  userUid: string;
}

export type TokenType = "session" | "stream";

export function createSessionTokens(secret: string, sessionTtlSeconds: number) {
  const key = new TextEncoder().encode(secret);
  const ttl: Record<TokenType, number> = { session: sessionTtlSeconds, stream: 60 };
  return {
    async issue(claims: SessionClaims, type: TokenType): Promise<{ token: string; expiresAt: string }> {
      const exp = Math.floor(Date.now() / 1000) + ttl[type];
      const token = await new SignJWT({ typ: type, stk: claims.stackApiKey, org: claims.organizationUid, usr: claims.userUid })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(claims.installationUid)
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000).toISOString() };
    },
    /** Resolves the claims or null when the token is not a valid, unexpired token of that type. */
    async verify(token: string, type: TokenType): Promise<SessionClaims | null> {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] });
        if (payload.typ !== type) return null;
        return {
          installationUid: String(payload.sub),
          stackApiKey: String(payload.stk ?? ""),
          organizationUid: String(payload.org ?? ""),
          userUid: String(payload.usr ?? ""),
        };
      } catch {
        return null;
      }
    },
  };
}
export type SessionTokens = ReturnType<typeof createSessionTokens>;
