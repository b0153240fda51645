/**
 * Segment's X-Signature: lowercase hex HMAC-SHA1 with the shared secret. We verify it over the whole body, as
 * Segment's webhook destination signs it today (segmentio/action-destinations, destinations/webhook/index.ts:
 * `JSON.stringify` of the single event's `data`, or of the whole array of `data` objects for a batch). A signature
 * that covers only a batch's first element (older Segment code, segment.md §2.1) leaves every other element
 * forgeable, so it is refused. The HMAC runs over the bytes as they arrive: nothing unauthenticated is parsed.
 */
import { createHmac, type Hmac } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { secretsEqual } from "../security/secret-compare.ts";

export function segmentSignature(secret: string, bytes: Buffer | string): string {
  return createHmac("sha1", secret).update(bytes).digest("hex");
}

/**
 * Passes the body through while computing its HMAC; at the end, fails the stream with `refuse()` unless the digest
 * equals `header`. With no secret (unknown installation) it reads on and refuses alike, so no one learns which
 * installations exist.
 */
export class SignatureCheck extends Transform {
  private readonly hmac: Hmac;
  private readonly secretSet: boolean;

  constructor(
    secret: string | null,
    private readonly header: string,
    private readonly refuse: () => Error,
  ) {
    super();
    this.hmac = createHmac("sha1", secret ?? "no installation: never matches");
    this.secretSet = Boolean(secret);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hmac.update(chunk);
    // Without a secret the request will be refused: read on (answering alike) but keep nothing.
    done(null, this.secretSet ? chunk : undefined);
  }

  override _flush(done: TransformCallback): void {
    const digest = this.hmac.digest("hex");
    const ok = this.secretSet && secretsEqual(this.header.trim().toLowerCase(), digest);
    done(ok ? null : this.refuse());
  }
}
