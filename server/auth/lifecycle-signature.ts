/**
 * Verifies `X-Contentstack-Request-Signature: v1=<base64>` on app lifecycle webhooks (contentstack-app.md §8):
 * RSA SHA-256 with Contentstack's signing key over the raw body bytes. Unconfirmed: the padding (PSS per the
 * third-party verifier, or PKCS#1 v1.5) — configurable with CS_WEBHOOK_SIGNATURE_PADDING.
 */
import { constants, verify, type KeyObject } from "node:crypto";
import type { SigningKeyProvider } from "./signing-key.ts";

export const MAX_WEBHOOK_AGE_MS = 5 * 60 * 1000;

export type SignaturePadding = "pss" | "pkcs1";

export async function verifyLifecycleSignature(
  rawBody: Buffer,
  header: string | undefined,
  keys: SigningKeyProvider,
  padding: SignaturePadding,
): Promise<string | null> {
  const match = /^v1=([A-Za-z0-9+/=]+)$/.exec(header?.trim() ?? "");
  if (!match) return "X-Contentstack-Request-Signature header is missing or not in the form v1=<base64>";
  const signature = Buffer.from(match[1], "base64");
  if (check(rawBody, signature, await keys.current(), padding)) return null;
  const fresh = await keys.refreshAfterFailure();
  if (fresh && check(rawBody, signature, fresh, padding)) return null;
  return "X-Contentstack-Request-Signature does not match the body";
}

function check(body: Buffer, signature: Buffer, key: KeyObject, padding: SignaturePadding): boolean {
  return verify(
    "sha256",
    body,
    padding === "pss"
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }
      : { key, padding: constants.RSA_PKCS1_PADDING },
    signature,
  );
}

/** Rejects deliveries whose `triggered_at` is missing, more than 5 minutes old, or more than 5 minutes ahead. */
export function checkTriggeredAt(triggeredAt: unknown, now: number): string | null {
  const time = typeof triggeredAt === "string" ? Date.parse(triggeredAt) : Number.NaN;
  if (Number.isNaN(time)) return "triggered_at is missing or not a date";
  if (Math.abs(now - time) > MAX_WEBHOOK_AGE_MS) return "triggered_at is more than 5 minutes from now (stale or replayed)";
  return null;
}
