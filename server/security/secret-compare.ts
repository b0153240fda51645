/**
 * Compares a presented secret with the expected one in constant time, without leaking either length: both are
 * reduced to HMAC-SHA-256 digests under a per-process random key (fixed 32 bytes) before timingSafeEqual.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const COMPARE_KEY = randomBytes(32);

const digest = (value: string) => createHmac("sha256", COMPARE_KEY).update(value, "utf8").digest();

export function secretsEqual(presented: string, expected: string): boolean {
  // An unset secret matches nothing, not even an empty presentation.
  if (!expected) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
