/**
 * How the sync log stores a row's payload and detail (JSON values): as bytes, deflated against a preset dictionary
 * of the shapes the log holds (Segment events as analytics-node and Connect send them, mapping summaries, Edge
 * requests) when that is worth it. Most rows are a few hundred bytes, too small for deflate alone to find
 * repetition; the dictionary supplies it, so that a typical row shrinks about sixfold. Decoding gives back the
 * exact JSON text that was stored.
 *
 * Stored forms: JSON text as UTF-8 bytes (short values, queued events, and rows written before migration 8, which
 * SQLite may hand back as a string), or DEFLATED_V1 followed by raw deflate. JSON text never starts with byte 0x01.
 */
import { constants, createDeflateRaw, deflateRawSync, inflateRawSync } from "node:zlib";

const DEFLATED_V1 = 0x01;
/** Below this many bytes of JSON, deflate's own framing eats most of what it saves. */
const MIN_DEFLATED_BYTES = 48;
/** Speed over the last few percent: every accepted event is written through here. */
const LEVEL = 4;

/**
 * Never change this text: rows deflated against it can only be inflated against the same bytes (a new
 * dictionary needs a new tag). Deflate finds matches nearer its end at lower cost, so the commonest shapes come last.
 */
const DICTIONARY = Buffer.from(
  [
    '{"type":"page","name":"Home","properties":{"path":"/","title":"Home","url":"https://www.example.com/","referrer":"","search":""},',
    '"channel":"server","version":2,"originalTimestamp":"","writeKey":"","projectId":"","category":null,',
    '"event":"Signed Up","screen":{"width":1440,"height":900,"density":2},"os":{"name":"Mac OS X","version":"10.15.7"},',
    '"campaign":{"name":"","source":"google","medium":"cpc","term":"","content":""},"timezone":"America/New_York",',
    '"traits":{"email":"@example.com","name":"","first_name":"","last_name":"","plan":"pro","company":{"name":"","employees":0}},',
    '"computation_class":"audience","computation_key":"","computation_id":"","space_id":"","personas":',
    '{"source":"webhook","mapping":{"userUid":"","operations":[{"kind":"event","userUid":"","eventKey":"","source":"row:"}],',
    '"notes":[],"engage":null,"filtered":{"reason":"no mapping row, Engage rule or pass-through produced anything to send"}},',
    '"configurationError":true,"superseded":["plan"],"outboundIds":[]}',
    '{"method":"POST","url":"https://personalize-edge.contentstack.com/user-attributes/actions/merge","headers":',
    '{"content-type":"application/json","x-project-uid":""},"body":"{\\"anonymousUserUid\\":\\"\\",\\"identifiedUserUid\\":\\"\\"}"}',
    '{"sources":["row:"],"eventIds":[]}{"sources":{"plan":"row:plan","lifetime_value":"row:ltv"},"eventIds":[]}',
    '{"method":"POST","url":"https://personalize-edge.contentstack.com/events","headers":{"content-type":"application/json",',
    '"x-project-uid":"","x-cs-personalize-user-uid":"user-","x-cs-eclipse-user-uid":"user-"},"body":"[{\\"eventKey\\":\\"',
    '\\",\\"type\\":\\"EVENT\\"}]"}',
    '{"method":"PATCH","url":"https://personalize-edge.contentstack.com/user-attributes","headers":{"content-type":"application/json",',
    '"x-project-uid":"","x-cs-personalize-user-uid":"user-","x-cs-eclipse-user-uid":"user-"},"body":"{\\"plan\\":\\"pro\\",\\"',
    'lifetime_value\\":0}"}',
    '{"source":"tracking_api","mapping":{"userUid":"user-","operations":[{"kind":"attributes","userUid":"user-",',
    '"attributes":{"plan":"pro","lifetime_value":0},"sources":{"plan":"row:plan","lifetime_value":"row:ltv"},',
    '"timestamp":"2026-01-01T00:00:00.000Z"}],"notes":[],"engage":null,"filtered":null},"outboundIds":[]}',
    '{"type":"track","userId":"user-","anonymousId":"anon-","event":"Order Completed","properties":{"revenue":0,',
    '"currency":"USD","order_id":"ord-","product_id":"sku-","category":"","price":0,"coupon":null},"messageId":"node-next-',
    '","context":{"library":{"name":"@segment/analytics-node","version":"3.1.0"},"ip":"203.0.","userAgent":',
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",',
    '"page":{"path":"/","url":"https://","referrer":"https://www.google.com/"},"locale":"en-US"},"integrations":{},',
    '"timestamp":"2026-01-01T00:00:00.000Z","sentAt":"2026-01-01T00:00:00.000Z","receivedAt":"2026-01-01T00:00:00.000Z",',
    '"_metadata":{"nodeVersion":"20.20.0","jsRuntime":"node"}}',
    '{"type":"identify","userId":"user-","anonymousId":"anon-","traits":{"email":"user-@example.com","plan":"pro",',
    '"lifetime_value":0,"first_time_shopper":false,"favorite_category":""},"messageId":"bench-identify-heavy-',
    '","timestamp":"2026-01-01T00:00:00.000Z","context":{"library":{"name":"@segment/analytics-node","version":"3.1.0"}},',
    '"integrations":{}}',
  ].join(""),
);

/** The stored bytes of a JSON value; null for undefined or null (no value). */
export function encodeJson(value: unknown): Buffer | null {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value);
  if (text.length < MIN_DEFLATED_BYTES) return Buffer.from(text);
  const bytes = utf8Scratch(text);
  return compress(bytes) ?? Buffer.from(bytes);
}

/**
 * The stored bytes of a JSON value as plain text, for a row the planner reads and rewrites soon (a queued event):
 * deflating it would cost more than the bytes it saves while it waits. `compactStored` deflates it when it settles.
 */
export function encodeJsonPlain(value: unknown): Buffer | null {
  return value === undefined || value === null ? null : Buffer.from(JSON.stringify(value));
}

/** A stored value in the form encodeJson gives: plain JSON text is deflated, deflated bytes are kept as they are. */
export function compactStored(stored: unknown): Buffer | null {
  if (stored === null || stored === undefined) return null;
  const bytes = typeof stored === "string" ? Buffer.from(stored) : (stored as Uint8Array);
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer[0] === DEFLATED_V1 ? buffer : (compress(buffer) ?? buffer);
}

/**
 * Every row's payload and detail pass through here, so the text is written into one reused buffer rather than a
 * new one per value: only the stored bytes are allocated (fewer short-lived buffers for the GC to find). The view
 * it returns is valid until the next call.
 */
let textBuffer = Buffer.allocUnsafe(64 * 1024);
/** Past this a value gets buffers of its own, so that one large value does not keep a large scratch buffer alive. */
const MAX_SCRATCH_BYTES = 1024 * 1024;
function utf8Scratch(text: string): Buffer {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8.
  if (text.length * 3 > MAX_SCRATCH_BYTES) return Buffer.from(text);
  if (textBuffer.length < text.length * 3) textBuffer = Buffer.allocUnsafe(text.length * 3);
  return textBuffer.subarray(0, textBuffer.write(text));
}

/** The stored form of `text` deflated (tag, then raw deflate), or null when that would not be smaller. */
function compress(text: Buffer): Buffer | null {
  return text.length < MIN_DEFLATED_BYTES ? null : deflater.deflate(text, text.length - 2);
}

/**
 * Raw deflate against DICTIONARY, `deflate(text, limit)` giving the stored form (DEFLATED_V1, then the deflated
 * bytes) or null when the deflated bytes would take more than `limit`. Setting up a zlib stream costs more than
 * deflating a row of a few hundred bytes (deflateRawSync makes one per call: about 10 µs of a 15 µs encode), and
 * Node has no public way to reuse a stream synchronously, so this drives one stream's native handle the way Node's
 * own deflateRawSync does (writeSync with Z_FINISH), then resets it, which re-applies the dictionary. Where a Node
 * version lacks those internals, or a value is over MAX_SCRATCH_BYTES, it uses deflateRawSync; json-codec.test.ts
 * round-trips values through both.
 */
const deflater = createReusableDeflater();

function createReusableDeflater() {
  const viaSync = (text: Buffer, limit: number) => {
    const deflated = deflateRawSync(text, { level: LEVEL, dictionary: DICTIONARY });
    return deflated.length > limit ? null : Buffer.concat([Buffer.of(DEFLATED_V1), deflated]);
  };
  const stream = createDeflateRaw({ level: LEVEL, dictionary: DICTIONARY }) as unknown as {
    _handle?: { writeSync?: Function; reset?: Function };
    _writeState?: Uint32Array;
  };
  const handle = stream._handle;
  const state = stream._writeState;
  if (typeof handle?.writeSync !== "function" || typeof handle.reset !== "function" || !(state instanceof Uint32Array)) {
    return { deflate: viaSync };
  }
  let failed = false;
  (stream as unknown as NodeJS.EventEmitter).once("error", () => (failed = true));
  // The stored form is built here: the tag at 0, the deflated bytes after it.
  let scratch = Buffer.allocUnsafe(64 * 1024);
  return {
    deflate(text: Buffer, limit: number): Buffer | null {
      if (failed || limit + 2 > MAX_SCRATCH_BYTES) return viaSync(text, limit);
      if (scratch.length < limit + 2) scratch = Buffer.allocUnsafe(limit + 2);
      scratch[0] = DEFLATED_V1;
      // Room for one byte past the limit: a stream that fills it did not fit.
      handle.writeSync!(constants.Z_FINISH, text, 0, text.length, scratch, 1, limit + 1);
      const [availableOut, availableIn] = state;
      handle.reset!();
      const length = limit + 1 - availableOut;
      return availableIn !== 0 || length > limit ? null : Buffer.from(scratch.subarray(0, length + 1));
    },
  };
}

/** The JSON text of a stored value (as encodeJson wrote it, or text written before migration 8); null for none. */
export function decodeJsonText(stored: unknown): string | null {
  if (stored === null || stored === undefined) return null;
  if (typeof stored === "string") return stored;
  const bytes = stored as Uint8Array;
  if (bytes[0] !== DEFLATED_V1) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  return inflateRawSync(bytes.subarray(1), { dictionary: DICTIONARY }).toString("utf8");
}

export function decodeJson(stored: unknown): unknown {
  const text = decodeJsonText(stored);
  return text === null ? null : JSON.parse(text);
}
