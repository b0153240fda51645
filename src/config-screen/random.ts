function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, "0")).join("");
}

/** HMAC key for the Segment Webhooks (Actions) destination: 32 random bytes, hex. */
export function newSharedSecret(): string {
  return randomHex(32);
}

/** Bearer token Segment may send instead of (or with) a signature. */
export function newBearerToken(): string {
  return randomHex(32);
}

/** Write key we issue for our Segment-compatible Tracking API: `wk_` + 32 hex characters. */
export function newWriteKey(): string {
  return `wk_${randomHex(16)}`;
}

/** Mapping row id; matches the schema's /^[A-Za-z0-9_-]{1,64}$/. */
export function newRowId(): string {
  return `r${randomHex(6)}`;
}
