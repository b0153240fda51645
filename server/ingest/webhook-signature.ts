/**
 * Segment's X-Signature (segment.md §2.1): lowercase hex HMAC-SHA1 with the shared secret over the signed data.
 * A single event is signed as its body bytes; a batch (bare array) only by JSON.stringify of its first element.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function signedBytes(rawBody: Buffer, parsed: unknown): Buffer {
  if (Array.isArray(parsed)) return Buffer.from(parsed.length > 0 ? JSON.stringify(parsed[0]) : "", "utf8");
  return rawBody;
}

export function segmentSignature(secret: string, bytes: Buffer): string {
  return createHmac("sha1", secret).update(bytes).digest("hex");
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

export function verifySegmentSignature(secret: string, rawBody: Buffer, parsed: unknown, header: string): boolean {
  return constantTimeEqual(segmentSignature(secret, signedBytes(rawBody, parsed)), header.trim().toLowerCase());
}
