/**
 * The `app-token` Contentstack appends to signed locations (contentstack-app.md §7): an RS256 JWT with the
 * installation's identity, and the PKCS#1 public key our server fetches from `/.well-known/public-keys.json`.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";

export interface AppTokenClaims {
  app_uid: string;
  installation_uid: string;
  organization_uid: string;
  user_uid: string;
  stack_api_key: string;
  iat: number;
  exp: number;
}

export type AppTokenOverrides = Partial<AppTokenClaims> & { expiresInSeconds?: number };

export type AppTokenIdentity = Omit<AppTokenClaims, "iat" | "exp">;

export function signAppToken(
  signingKey: KeyObject,
  identity: AppTokenIdentity,
  defaultTtlSeconds: number,
  overrides: AppTokenOverrides = {},
): Promise<string> {
  const { expiresInSeconds = defaultTtlSeconds, ...claimOverrides } = overrides;
  const iat = claimOverrides.iat ?? Math.floor(Date.now() / 1000);
  const claims: AppTokenClaims = { ...identity, iat, exp: iat + expiresInSeconds, ...claimOverrides };
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: "RS256", typ: "JWT" }).sign(signingKey);
}

/** `-----BEGIN RSA PUBLIC KEY-----`, the format Contentstack publishes (jose's importSPKI rejects it). */
export function publicKeyPkcs1Pem(signingKey: KeyObject): string {
  return createPublicKey(signingKey).export({ type: "pkcs1", format: "pem" }).toString();
}
