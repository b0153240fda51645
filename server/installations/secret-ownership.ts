/**
 * The inbound secrets an installation owns (Tracking API write key, webhook shared secret, webhook bearer token):
 * each belongs to exactly one installation, so a duplicate is refused (409) instead of moving the other tenant's
 * traffic; and a secret an admin types in must be as hard to guess as one we generate (≥ 128 bits).
 */
import { createHash } from "node:crypto";
import type { ServerConfiguration } from "../../src/shared/installation-config.ts";
import { HttpError } from "../http/errors.ts";

export const OWNED_SECRETS = {
  trackingWriteKey: "Tracking API write key",
  webhookSharedSecret: "Shared secret",
  webhookBearerToken: "Bearer token",
} as const satisfies Partial<Record<keyof ServerConfiguration, string>>;
type OwnedSecret = keyof typeof OWNED_SECRETS;

export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_BITS = 128;
const MIN_DISTINCT_CHARACTERS = 10;

/** One namespace for every kind: a write key equal to another tenant's shared secret is a duplicate too. */
export function secretHash(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/**
 * A rough upper bound on the secret's entropy: length × log2(size of the character classes it uses). Generated
 * secrets (32 random bytes as hex, `wk_` + 16 bytes as hex) pass; short, repetitive or one-class strings do not.
 */
export function estimatedBits(value: string): number {
  let alphabet = 0;
  if (/[a-z]/.test(value)) alphabet += 26;
  if (/[A-Z]/.test(value)) alphabet += 26;
  if (/[0-9]/.test(value)) alphabet += 10;
  if (/[^A-Za-z0-9]/.test(value)) alphabet += 32;
  if (/^[0-9a-f]+$/i.test(value)) alphabet = 16;
  return value.length * Math.log2(Math.max(alphabet, 2));
}

export function secretStrengthProblem(label: string, value: string): string | null {
  if (value.length < MIN_SECRET_LENGTH) return `${label} must be at least ${MIN_SECRET_LENGTH} characters (generate one in the app)`;
  if (new Set(value).size < MIN_DISTINCT_CHARACTERS || estimatedBits(value) < MIN_SECRET_BITS) {
    return `${label} is too easy to guess: use at least ${MIN_SECRET_BITS} random bits (generate one in the app)`;
  }
  return null;
}

/** The owned secrets that are set, each with its hash; throws a 400 naming the first weak one. */
export function ownedSecretHashes(server: ServerConfiguration): Map<string, OwnedSecret> {
  const hashes = new Map<string, OwnedSecret>();
  for (const key of Object.keys(OWNED_SECRETS) as OwnedSecret[]) {
    const value = server[key];
    if (!value) continue;
    const problem = secretStrengthProblem(OWNED_SECRETS[key], value);
    if (problem) throw new HttpError(400, "weak_secret", `serverConfiguration.${key}: ${problem}`);
    const hash = secretHash(value);
    if (hashes.has(hash)) {
      throw new HttpError(400, "reused_secret", `serverConfiguration.${key} must differ from the ${OWNED_SECRETS[hashes.get(hash)!]}`);
    }
    hashes.set(hash, key);
  }
  return hashes;
}

export function duplicateSecretError(key: OwnedSecret): HttpError {
  return new HttpError(
    409,
    "secret_in_use",
    `serverConfiguration.${key}: this ${OWNED_SECRETS[key]} already belongs to another installation; generate a new one`,
  );
}
