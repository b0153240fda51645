/**
 * Verifies the `app-token` Contentstack appends to signed locations (contentstack-app.md §7): RS256, `exp`,
 * and `app_uid` equal to ours. The UI never decides trust; only this does.
 */
import { errors, jwtVerify, type JWTPayload } from "jose";
import type { SigningKeyProvider } from "./signing-key.ts";

export interface AppTokenClaims {
  appUid: string;
  installationUid: string;
  organizationUid: string;
  userUid: string;
  stackApiKey: string;
}

export class AppTokenError extends Error {}

/**
 * `maxAgeSeconds` bounds how long after issue a token may open a session (it is a bearer credential in a URL).
 * Unconfirmed (contentstack-app.md §7): whether Contentstack sets `iat`; without it, a token whose `exp` lies further
 * ahead than the maximum age is refused instead.
 */
export async function verifyAppToken(token: string, keys: SigningKeyProvider, appUid: string, maxAgeSeconds: number): Promise<AppTokenClaims> {
  let payload: JWTPayload;
  try {
    payload = await verifyWith(token, await keys.current());
  } catch (error) {
    if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw describe(error);
    const fresh = await keys.refreshAfterFailure();
    if (!fresh) throw describe(error);
    try {
      payload = await verifyWith(token, fresh);
    } catch (retryError) {
      throw describe(retryError);
    }
  }
  const claims = {
    appUid: String(payload.app_uid ?? ""),
    installationUid: String(payload.installation_uid ?? ""),
    organizationUid: String(payload.organization_uid ?? ""),
    userUid: String(payload.user_uid ?? ""),
    stackApiKey: String(payload.stack_api_key ?? ""),
  };
  const now = Date.now() / 1000;
  if (typeof payload.iat === "number" ? now - payload.iat > maxAgeSeconds : Number(payload.exp) - now > maxAgeSeconds) {
    throw new AppTokenError(`app-token was issued more than ${maxAgeSeconds} s ago; reopen the app in Contentstack`);
  }
  if (claims.appUid !== appUid) throw new AppTokenError("app-token was issued for another app (app_uid)");
  if (!claims.installationUid) throw new AppTokenError("app-token has no installation_uid");
  if (!claims.stackApiKey) throw new AppTokenError("app-token has no stack_api_key (this app installs on stacks)");
  return claims;
}

function verifyWith(token: string, key: Parameters<typeof jwtVerify>[1]) {
  return jwtVerify(token, key as never, { algorithms: ["RS256"], requiredClaims: ["exp"] }).then((r) => r.payload);
}

function describe(error: unknown): AppTokenError {
  if (error instanceof errors.JWTExpired) return new AppTokenError("app-token has expired; reopen the app in Contentstack");
  if (error instanceof errors.JWSSignatureVerificationFailed) return new AppTokenError("app-token signature is invalid");
  if (error instanceof errors.JOSEAlgNotAllowed) return new AppTokenError("app-token must be signed with RS256");
  if (error instanceof errors.JWTClaimValidationFailed) return new AppTokenError(`app-token claim "${error.claim}" is invalid`);
  if (error instanceof errors.JOSEError) return new AppTokenError("app-token is malformed");
  return new AppTokenError(`app-token could not be verified: ${(error as Error).message}`);
}
