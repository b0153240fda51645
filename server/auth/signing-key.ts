/**
 * Contentstack's signing key (PKCS#1 PEM at `/.well-known/public-keys.json`), shared by app-token and lifecycle
 * webhook verification. Cached; refetched at most once a minute when a signature fails, to follow key rotation
 * without letting forged tokens turn into a fetch storm.
 */
import { createPublicKey, type KeyObject } from "node:crypto";

const REFETCH_AFTER_FAILURE_MS = 60_000;

export interface SigningKeyProvider {
  current(): Promise<KeyObject>;
  /** A fresh key after a verification failure, or null when one was fetched too recently. */
  refreshAfterFailure(): Promise<KeyObject | null>;
}

export function createSigningKeyProvider(keysUrl: string, fetchImpl: typeof fetch = fetch): SigningKeyProvider {
  let cached: Promise<KeyObject> | null = null;
  let fetchedAt = 0;

  const load = async (): Promise<KeyObject> => {
    fetchedAt = Date.now();
    const response = await fetchImpl(keysUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`signing key fetch from ${keysUrl} answered ${response.status}`);
    const body = (await response.json()) as Record<string, unknown>;
    const pem = body["signing-key"];
    if (typeof pem !== "string") throw new Error(`${keysUrl} has no "signing-key"`);
    return createPublicKey({ key: pem, format: "pem", type: pem.includes("BEGIN RSA PUBLIC KEY") ? "pkcs1" : "spki" });
  };

  return {
    current() {
      if (!cached) {
        cached = load();
        cached.catch(() => {
          cached = null;
        });
      }
      return cached;
    },
    async refreshAfterFailure() {
      if (Date.now() - fetchedAt < REFETCH_AFTER_FAILURE_MS) return null;
      cached = load();
      cached.catch(() => {
        cached = null;
      });
      return cached;
    },
  };
}
