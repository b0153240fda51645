/**
 * The hand-picked hostile inputs, per endpoint: malformed JSON, wrong types, huge and deep bodies, batches over the
 * limits, unicode and control characters, prototype-pollution keys, bad gzip, wrong content types, missing or extra
 * auth, SSRF targets and replays. Every entry must be refused with a 4xx and a message (replays: absorbed).
 */
import { gzipSync } from "node:zlib";
import { MAX_BATCH_EVENTS, MAX_REQUEST_BYTES } from "../ingest/tracking-api-routes.ts";
import { MAX_WEBHOOK_BATCH, WEBHOOK_BODY_LIMIT } from "../ingest/webhook-route.ts";
import { TEST_PROJECT_UID } from "../testing/harness.ts";
import { JSON_HEADERS, basicAuth, signedLifecycleRequest, webhookSignature, type CorpusContext } from "./corpus-context.ts";
import type { Endpoint, HostileRequest } from "./hostile-request.ts";
import { INVALID_EVENTS, validIdentify } from "./invalid-events.ts";

/** Bodies that are not JSON, or JSON that is not what any route takes. */
const MALFORMED_JSON: string[] = [
  "",
  " ",
  "{",
  '{"type":',
  '{"a":1,}',
  "[1,2",
  "{'type':'identify'}",
  '{"a":NaN}',
  '{"a":Infinity}',
  "undefined",
  '{"a":01}',
  '{"a":"\u0001raw control"}',
  "\uFEFF{}",
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '{"a":"unterminated}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  "{\"type\":\"identify\",\"userId\":\"u\",}",
  "\u0000",
];

/** Valid JSON that is the wrong shape for every route (not an object, or an empty one). */
const WRONG_SHAPES: string[] = ["null", '"a string"', "123", "true", "{}", "[null]", '[1,"x",false]'];

const PROTOTYPE_POLLUTION: string[] = [
  '{"__proto__":{"polluted":true},"type":"identify","userId":"p"}',
  '{"type":"identify","userId":"p","traits":{"__proto__":{"isAdmin":true}}}',
  '{"type":"identify","userId":"p","constructor":{"prototype":{"polluted":true}}}',
  '{"type":"identify","userId":"p","traits":{"constructor":{"prototype":{"isAdmin":true}}}}',
  '[{"type":"identify","userId":"p","__proto__":{"x":1}}]',
  '{"batch":[{"type":"identify","userId":"p","__proto__":{"x":1}}]}',
  '{"type":"identify","userId":"p","context":{"__proto__":{"x":1}}}',
];

function nested(depth: number, kind: "object" | "array"): string {
  const inner = kind === "object" ? '{"a":'.repeat(depth) + "1" + "}".repeat(depth) : "[".repeat(depth) + "]".repeat(depth);
  return `{"type":"identify","userId":"deep-user","traits":{"deep":${inner}}}`;
}

const DEPTHS = [65, 1000, 10_000, 100_000];

const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "text/json",
  "application/jsonx",
  "application/json-patch+json",
];

const ENCODINGS = ["br", "deflate", "gzip, gzip", "identity, gzip", "compress", "x-gzip "];

export function buildCorpus(ctx: CorpusContext): HostileRequest[] {
  return [...webhookInputs(ctx), ...trackingInputs(ctx), ...sessionInputs(ctx), ...lifecycleInputs(ctx), ...logInputs(ctx), ...configInputs(ctx), ...rawHttpInputs(), ...ctx.replays];
}

function entry(endpoint: Endpoint, family: string, label: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): HostileRequest {
  return { endpoint, family, label, method, path, headers, body: body === undefined ? undefined : Buffer.from(body), expect: "refuse" };
}

function webhookInputs(ctx: CorpusContext): HostileRequest[] {
  const path = `/ingest/segment/${ctx.target.uid}`;
  const signed = (family: string, label: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const bytes = Buffer.from(body);
    return entry("webhook", family, label, "POST", path, { ...JSON_HEADERS, "x-signature": webhookSignature(ctx.target.sharedSecret, bytes), ...headers }, bytes);
  };
  const valid = JSON.stringify(validIdentify("webhook-user"));
  const inputs: HostileRequest[] = [
    ...MALFORMED_JSON.map((body, i) => signed("malformed JSON", `malformed JSON #${i}`, body)),
    ...WRONG_SHAPES.map((body) => signed("wrong types", `body ${body}`, body)),
    ...INVALID_EVENTS.map((broken) => signed("wrong types", broken.name, JSON.stringify(broken.make(validIdentify())))),
    ...INVALID_EVENTS.map((broken) =>
      signed("wrong types", `batch of 3, ${broken.name}`, JSON.stringify([1, 2, 3].map((i) => broken.make(validIdentify(`batch-user-${i}`))))),
    ),
    ...PROTOTYPE_POLLUTION.map((body, i) => signed("prototype pollution", `prototype pollution #${i}`, body)),
    ...DEPTHS.flatMap((depth) => [
      signed("deep body", `object nested ${depth} deep`, nested(depth, "object")),
      signed("deep body", `array nested ${depth} deep`, nested(depth, "array")),
    ]),
    signed("huge body", "body over the 16 MB limit", `{"type":"identify","userId":"u","traits":{"pad":"${"x".repeat(WEBHOOK_BODY_LIMIT)}"}}`),
    signed("huge body", "one event over 32 KB", JSON.stringify({ ...validIdentify(), traits: { pad: "x".repeat(40_000) } })),
    signed("huge body", "a userId of 1 MB", JSON.stringify({ ...validIdentify(), userId: "u".repeat(1024 * 1024) })),
    signed("batch over the limits", `batch of ${MAX_WEBHOOK_BATCH + 1} events`, JSON.stringify(Array.from({ length: MAX_WEBHOOK_BATCH + 1 }, (_, i) => validIdentify(`over-${i}`)))),
    signed("batch over the limits", "empty batch", "[]"),
    signed("unicode and control characters", "invalid UTF-8 in an event without ids", Buffer.concat([Buffer.from('{"type":"identify","traits":{"a":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}}')])),
    signed("unicode and control characters", "overlong UTF-8 slash in type", Buffer.concat([Buffer.from('{"type":"identify'), Buffer.from([0xc0, 0xaf]), Buffer.from('","userId":"u"}')])),
    signed("unicode and control characters", "zero-width joiner in type", '{"type":"iden\u200dtify","userId":"u"}'),
    signed("unicode and control characters", "lone surrogate in type", '{"type":"\\ud800identify","userId":"u"}'),
    ...CONTENT_TYPES.map((type) => signed("wrong content type", `Content-Type ${type}`, valid, { "content-type": type })),
    entry("webhook", "wrong content type", "no Content-Type", "POST", path, { "x-signature": webhookSignature(ctx.target.sharedSecret, Buffer.from(valid)) }, valid),
    signed("bad gzip", "gzip header on plain JSON", valid, { "content-encoding": "gzip" }),
    signed("bad gzip", "truncated gzip", gzipSync(valid).subarray(0, 20), { "content-encoding": "gzip" }),
    signed("bad gzip", "gzip of malformed JSON", gzipSync("{not json"), { "content-encoding": "gzip" }),
    signed("bad gzip", "gzip of an event without ids", gzipSync('{"type":"identify"}'), { "content-encoding": "gzip" }),
    signed("bad gzip", "gzip bomb (64 MB of spaces)", gzipSync(Buffer.alloc(64 * 1024 * 1024, 32)), { "content-encoding": "gzip" }),
    signed("bad gzip", "gzip inside gzip", gzipSync(gzipSync(valid)), { "content-encoding": "gzip" }),
    ...ENCODINGS.map((encoding) => signed("bad gzip", `Content-Encoding ${encoding}`, valid, { "content-encoding": encoding })),
    entry("webhook", "missing or extra auth", "unsigned", "POST", path, JSON_HEADERS, valid),
    entry("webhook", "missing or extra auth", "signed with another secret", "POST", path, { ...JSON_HEADERS, "x-signature": webhookSignature("not-the-secret", Buffer.from(valid)) }, valid),
    entry("webhook", "missing or extra auth", "signed with the other installation's secret", "POST", path, { ...JSON_HEADERS, "x-signature": webhookSignature(ctx.other.sharedSecret, Buffer.from(valid)) }, valid),
    entry("webhook", "missing or extra auth", "signature truncated", "POST", path, { ...JSON_HEADERS, "x-signature": webhookSignature(ctx.target.sharedSecret, Buffer.from(valid)).slice(0, 39) }, valid),
    entry("webhook", "missing or extra auth", "signature as base64", "POST", path, { ...JSON_HEADERS, "x-signature": Buffer.from(webhookSignature(ctx.target.sharedSecret, Buffer.from(valid)), "hex").toString("base64") }, valid),
    entry("webhook", "missing or extra auth", "sha256 signature", "POST", path, { ...JSON_HEADERS, "x-signature": "0".repeat(64) }, valid),
    entry("webhook", "missing or extra auth", "bearer token when none is configured", "POST", path, { ...JSON_HEADERS, authorization: "Bearer anything" }, valid),
    entry("webhook", "missing or extra auth", "bad signature plus a bearer token", "POST", path, { ...JSON_HEADERS, "x-signature": "00", authorization: "Bearer anything" }, valid),
    entry("webhook", "missing or extra auth", "write key as Basic auth", "POST", path, { ...JSON_HEADERS, authorization: basicAuth(ctx.target.writeKey) }, valid),
    entry("webhook", "missing or extra auth", "the target's signature sent to the other installation", "POST", `/ingest/segment/${ctx.other.uid}`, { ...JSON_HEADERS, "x-signature": webhookSignature(ctx.target.sharedSecret, Buffer.from(valid)) }, valid),
    entry("webhook", "missing or extra auth", "signature of the first event, a forged first event", "POST", path, { ...JSON_HEADERS, "x-signature": webhookSignature(ctx.target.sharedSecret, Buffer.from(valid)) }, `[${JSON.stringify({ ...validIdentify(), userId: "attacker" })},${valid}]`),
    entry("webhook", "unknown installation", "unknown installation uid", "POST", "/ingest/segment/no-such-installation", JSON_HEADERS, valid),
    entry("webhook", "unknown installation", "installation uid of 4 KB", "POST", `/ingest/segment/${"i".repeat(4096)}`, JSON_HEADERS, valid),
    entry("webhook", "unknown installation", "encoded path traversal", "POST", "/ingest/segment/..%2F..%2Fwebhooks%2Fcontentstack", JSON_HEADERS, valid),
    entry("webhook", "unknown installation", "encoded NUL in the uid", "POST", `/ingest/segment/${ctx.target.uid}%00`, JSON_HEADERS, valid),
    entry("webhook", "unknown installation", "unicode uid", "POST", `/ingest/segment/${encodeURIComponent("安装-\u202E")}`, JSON_HEADERS, valid),
    entry("webhook", "wrong method", "GET on the webhook", "GET", path, {}),
    entry("webhook", "wrong method", "PUT on the webhook", "PUT", path, JSON_HEADERS, valid),
  ];
  return inputs;
}

function trackingInputs(ctx: CorpusContext): HostileRequest[] {
  const auth = { ...JSON_HEADERS, authorization: basicAuth(ctx.target.writeKey) };
  const batch = (family: string, label: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    entry("tracking", family, label, "POST", "/v1/batch", { ...auth, ...headers }, body);
  const valid = JSON.stringify({ batch: [validIdentify("tracking-user")] });
  const singleRoute = (event: Record<string, unknown>) => (typeof event.type === "string" ? `/v1/${event.type}` : "/v1/identify");
  return [
    ...MALFORMED_JSON.map((body, i) => batch("malformed JSON", `malformed JSON #${i}`, body)),
    ...WRONG_SHAPES.map((body) => batch("wrong types", `body ${body}`, body)),
    ...INVALID_EVENTS.map((broken) => batch("wrong types", broken.name, JSON.stringify({ batch: [broken.make(validIdentify())] }))),
    ...INVALID_EVENTS.filter((broken) => !broken.typeIsWrong).map((broken) => {
      const event = broken.make(validIdentify());
      return entry("tracking", "wrong types", `${singleRoute(event)}: ${broken.name}`, "POST", singleRoute(event), auth, JSON.stringify(event));
    }),
    batch("wrong types", "batch is an object", '{"batch":{"0":{"type":"identify","userId":"u"}}}'),
    batch("wrong types", "batch is a string", '{"batch":"[]"}'),
    batch("wrong types", "context is a string", JSON.stringify({ batch: [validIdentify()], context: "x" })),
    batch("wrong types", "integrations is an array", JSON.stringify({ batch: [validIdentify()], integrations: [] })),
    batch("wrong types", "sentAt is not a date", JSON.stringify({ batch: [validIdentify()], sentAt: "garbage" })),
    batch("wrong types", "sentAt is a number", JSON.stringify({ batch: [validIdentify()], sentAt: 5 })),
    ...PROTOTYPE_POLLUTION.map((body, i) => batch("prototype pollution", `prototype pollution #${i}`, body)),
    ...DEPTHS.flatMap((depth) => [
      batch("deep body", `object nested ${depth} deep`, `{"batch":[${nested(depth, "object")}]}`),
      batch("deep body", `array nested ${depth} deep`, `{"batch":[${nested(depth, "array")}]}`),
      entry("tracking", "deep body", `/v1/identify nested ${depth} deep`, "POST", "/v1/identify", auth, nested(depth, "array")),
    ]),
    batch("huge body", "request over 500 KB", JSON.stringify({ batch: [{ ...validIdentify(), traits: { pad: "x".repeat(MAX_REQUEST_BYTES) } }] })),
    batch("huge body", "only event over 32 KB", JSON.stringify({ batch: [{ ...validIdentify(), traits: { pad: "x".repeat(33_000) } }] })),
    entry("tracking", "huge body", "/v1/track over 32 KB", "POST", "/v1/track", auth, JSON.stringify({ userId: "u", event: "Big", properties: { pad: "x".repeat(33_000) } })),
    batch("batch over the limits", `batch of ${MAX_BATCH_EVENTS + 1} events`, JSON.stringify({ batch: Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => ({ type: "track", userId: "u", event: "e" })) })),
    batch("batch over the limits", "empty batch", '{"batch":[]}'),
    batch("unicode and control characters", "invalid UTF-8 in an event without ids", Buffer.concat([Buffer.from('{"batch":[{"type":"identify","traits":{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}]}')])),
    batch("unicode and control characters", "emoji type", '{"batch":[{"type":"identify\ud83d\ude00","userId":"u"}]}'),
    ...CONTENT_TYPES.map((type) => batch("wrong content type", `Content-Type ${type}`, valid, { "content-type": type })),
    entry("tracking", "wrong content type", "no Content-Type", "POST", "/v1/batch", { authorization: basicAuth(ctx.target.writeKey) }, valid),
    batch("bad gzip", "gzip header on plain JSON", valid, { "content-encoding": "gzip" }),
    batch("bad gzip", "truncated gzip", gzipSync(valid).subarray(0, 20), { "content-encoding": "gzip" }),
    batch("bad gzip", "gzip of malformed JSON", gzipSync("{not json"), { "content-encoding": "gzip" }),
    batch("bad gzip", "gzip bomb (64 MB of spaces)", gzipSync(Buffer.alloc(64 * 1024 * 1024, 32)), { "content-encoding": "gzip" }),
    batch("bad gzip", "gzip inside gzip", gzipSync(gzipSync(valid)), { "content-encoding": "gzip" }),
    ...ENCODINGS.map((encoding) => batch("bad gzip", `Content-Encoding ${encoding}`, valid, { "content-encoding": encoding })),
    entry("tracking", "missing or extra auth", "no write key", "POST", "/v1/batch", JSON_HEADERS, valid),
    entry("tracking", "missing or extra auth", "unknown write key", "POST", "/v1/batch", { ...JSON_HEADERS, authorization: basicAuth("wk_unknown") }, valid),
    entry("tracking", "missing or extra auth", "shared secret as write key", "POST", "/v1/batch", { ...JSON_HEADERS, authorization: basicAuth(ctx.target.sharedSecret) }, valid),
    entry("tracking", "missing or extra auth", "Basic with an empty user", "POST", "/v1/batch", { ...JSON_HEADERS, authorization: `Basic ${Buffer.from(`:${ctx.target.writeKey}`).toString("base64")}` }, valid),
    entry("tracking", "missing or extra auth", "Basic that is not base64", "POST", "/v1/batch", { ...JSON_HEADERS, authorization: "Basic !!!" }, valid),
    entry("tracking", "missing or extra auth", "write key as a bearer token", "POST", "/v1/batch", { ...JSON_HEADERS, authorization: `Bearer ${ctx.target.writeKey}` }, valid),
    entry("tracking", "missing or extra auth", "writeKey in the body is a number", "POST", "/v1/batch", JSON_HEADERS, JSON.stringify({ batch: [validIdentify()], writeKey: 12345 })),
    entry("tracking", "missing or extra auth", "writeKey in the body is wrong", "POST", "/v1/batch", JSON_HEADERS, JSON.stringify({ batch: [validIdentify()], writeKey: "wk_wrong" })),
    entry("tracking", "missing or extra auth", "wrong Basic key, right key in the body", "POST", "/v1/batch", { ...JSON_HEADERS, authorization: basicAuth("wk_wrong") }, JSON.stringify({ batch: [validIdentify()], writeKey: ctx.target.writeKey })),
    entry("tracking", "missing or extra auth", "write key with unicode", "POST", "/v1/batch", { ...JSON_HEADERS, authorization: `Basic ${Buffer.from("wk_\u202E\u0000:").toString("base64")}` }, valid),
    entry("tracking", "wrong method", "GET /v1/batch", "GET", "/v1/batch", { authorization: basicAuth(ctx.target.writeKey) }),
    entry("tracking", "wrong method", "unknown call type", "POST", "/v1/purchase", auth, valid),
    entry("tracking", "wrong method", "browser short path /v1/t", "POST", "/v1/t", { ...auth, "content-type": "text/plain" }, valid),
  ];
}

function sessionInputs(ctx: CorpusContext): HostileRequest[] {
  const session = (label: string, headers: Record<string, string>, body?: string) =>
    entry("session", label.startsWith("body") ? "malformed JSON" : "missing or extra auth", label, "POST", "/api/session", headers, body);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return [
    session("no app-token", {}),
    session("empty bearer", { authorization: "Bearer " }),
    session("basic instead of bearer", { authorization: basicAuth(ctx.target.writeKey) }),
    session("random string token", bearer("not-a-jwt")),
    session("three garbage segments", bearer("a.b.c")),
    session("token of 8 KB", bearer("x".repeat(8192))),
    session("expired app-token", bearer(ctx.tokens.expired)),
    session("app-token for another app", bearer(ctx.tokens.wrongApp)),
    session("forged app-token (another RSA key)", bearer(ctx.tokens.forged)),
    session("alg none app-token", bearer(ctx.tokens.algNone)),
    session("HS256 app-token", bearer(ctx.tokens.hs256)),
    session("app-token without installation_uid", bearer(ctx.tokens.noInstallation)),
    session("app-token without stack_api_key", bearer(ctx.tokens.noStack)),
    session("app-token naming another installation's uid with this stack", bearer(ctx.tokens.otherStack)),
    session("app-token not valid yet", bearer(ctx.tokens.notYetValid)),
    session("session token instead of an app-token", bearer(ctx.session)),
    session("app-token with its signature cut", bearer(ctx.tokens.expired.split(".").slice(0, 2).join(".") + ".")),
    session("body is malformed JSON", { ...bearer("a.b.c"), ...JSON_HEADERS }, "{bad"),
    session("body with __proto__", { ...bearer("a.b.c"), ...JSON_HEADERS }, '{"__proto__":{"admin":true}}'),
  ];
}

function lifecycleInputs(ctx: CorpusContext): HostileRequest[] {
  const path = "/webhooks/contentstack";
  const signed = (label: string, payload: unknown) => signedLifecycleRequest(ctx.signLifecycle, payload, label);
  const withData = (label: string, data: Record<string, unknown>) => signed(label, ctx.lifecyclePayload("update", data));
  const valid = JSON.stringify(ctx.lifecyclePayload("uninstall", {}));
  const minutes = (n: number) => new Date(Date.now() + n * 60_000);
  const unsigned = (family: string, label: string, headers: Record<string, string>, body: string | Buffer) => entry("lifecycle", family, label, "POST", path, headers, body);
  const config = (configuration: Record<string, unknown>) => ({ configuration, serverConfiguration: {} });
  return [
    ...MALFORMED_JSON.map((body, i) => unsigned("malformed JSON", `malformed JSON #${i}`, { ...JSON_HEADERS, "x-contentstack-request-signature": ctx.signLifecycle(body) }, body)),
    ...WRONG_SHAPES.map((body) => unsigned("wrong types", `signed body ${body}`, { ...JSON_HEADERS, "x-contentstack-request-signature": ctx.signLifecycle(body) }, body)),
    unsigned("missing or extra auth", "unsigned uninstall", JSON_HEADERS, valid),
    unsigned("missing or extra auth", "signature header not v1=", { ...JSON_HEADERS, "x-contentstack-request-signature": "v2=abc" }, valid),
    unsigned("missing or extra auth", "signature is not base64", { ...JSON_HEADERS, "x-contentstack-request-signature": "v1=!!!!" }, valid),
    unsigned("missing or extra auth", "signature of another body", { ...JSON_HEADERS, "x-contentstack-request-signature": ctx.signLifecycle("{}") }, valid),
    unsigned("missing or extra auth", "signature with the other padding", { ...JSON_HEADERS, "x-contentstack-request-signature": ctx.signLifecycle(valid, "pkcs1") }, valid),
    unsigned("missing or extra auth", "signature of 64 KB", { ...JSON_HEADERS, "x-contentstack-request-signature": `v1=${"A".repeat(65_536)}` }, valid),
    unsigned("missing or extra auth", "tampered body", { ...JSON_HEADERS, "x-contentstack-request-signature": ctx.signLifecycle(valid) }, valid.replace('"uninstall"', '"uninstalL"')),
    signed("stale triggered_at (6 minutes ago)", ctx.lifecyclePayload("uninstall", {}, minutes(-6))),
    signed("triggered_at 6 minutes ahead", ctx.lifecyclePayload("uninstall", {}, minutes(6))),
    signed("triggered_at is not a date", { ...ctx.lifecyclePayload("uninstall", {}), triggered_at: "now" }),
    signed("no triggered_at", { ...ctx.lifecyclePayload("uninstall", {}), triggered_at: undefined }),
    signed("triggered_at is a number", { ...ctx.lifecyclePayload("uninstall", {}), triggered_at: Date.now() }),
    signed("no data.app_installation", { ...ctx.lifecyclePayload("uninstall", {}), data: {} }),
    signed("data is an array", { ...ctx.lifecyclePayload("uninstall", {}), data: [] }),
    signed("installation_uid is a number", mutateInstallation(ctx.lifecyclePayload("uninstall", {}), { installation_uid: 5 })),
    signed("another app's uninstall", mutateInstallation(ctx.lifecyclePayload("uninstall", {}), { app_uid: "someone-elses-app" })),
    signed("unknown event", { ...ctx.lifecyclePayload("update", {}), event: "delete_everything" }),
    signed("event with RTL override", { ...ctx.lifecyclePayload("update", {}), event: "\u202Ellatsninu" }),
    signed("update without the stack api key", { ...mutateInstallation(ctx.lifecyclePayload("update", config({})), { target: {} }), api_key: undefined }),
    withData("projectUid too short", config({ personalize: { projectUid: "short" } })),
    withData("region unknown", config({ personalize: { region: "MARS" } })),
    withData("custom Edge URL is not a URL", config({ personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: "not a url" } })),
    withData("custom Edge URL is file://", config({ personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: "file:///etc/passwd" } })),
    withData("mapping source path invalid", config({ attributeMappings: [{ id: "a", source: "../etc", attribute: "x" }] })),
    withData("mapping id with a slash", config({ attributeMappings: [{ id: "a/b", source: "traits.a", attribute: "x" }] })),
    withData("event condition is not FQL", config({ eventMappings: [{ id: "e", segmentEvent: "x", personalizeEvent: "y", condition: "event = = (" }] })),
    withData("1,001 attribute mappings", config({ attributeMappings: Array.from({ length: 1001 }, (_, i) => ({ id: `m${i}`, source: `traits.t${i}`, attribute: `a${i}` })) })),
    withData("retention of 0 days", config({ retention: { days: 0 } })),
    withData("retention days is a string", config({ retention: { days: "14" } })),
    withData("attribute prefix with a space", config({ engage: { attributePrefix: "a b" } })),
    withData("server configuration secret with a newline", { configuration: {}, serverConfiguration: { webhookSharedSecret: "line\nbreak" } }),
    withData("server configuration secret over 512 characters", { configuration: {}, serverConfiguration: { trackingWriteKey: "k".repeat(513) } }),
    withData("server configuration is a string", { configuration: {}, serverConfiguration: "secrets" }),
    withData("configuration is an array", { configuration: [], serverConfiguration: {} }),
    withData("token type unknown", { configuration: {}, serverConfiguration: { personalizeManagementTokenType: "basic" } }),
    ...DEPTHS.slice(0, 3).map((depth) => {
      const body = `{"event":"update","triggered_at":"${new Date().toISOString()}","data":${nested(depth, "array")}}`;
      return unsigned("deep body", `signed body nested ${depth} deep`, { ...JSON_HEADERS, "x-contentstack-request-signature": ctx.signLifecycle(body) }, body);
    }),
    unsigned("huge body", "body over 1 MB", { ...JSON_HEADERS, "x-contentstack-request-signature": "v1=AAAA" }, `{"pad":"${"x".repeat(1024 * 1024)}"}`),
    unsigned("prototype pollution", "__proto__ in a signed body", { ...JSON_HEADERS, "x-contentstack-request-signature": ctx.signLifecycle(PROTOTYPE_POLLUTION[0]) }, PROTOTYPE_POLLUTION[0]),
    unsigned("wrong content type", "form-encoded", { "content-type": "application/x-www-form-urlencoded", "x-contentstack-request-signature": ctx.signLifecycle(valid) }, valid),
    unsigned("bad gzip", "gzip is not accepted here", { ...JSON_HEADERS, "content-encoding": "gzip", "x-contentstack-request-signature": ctx.signLifecycle(valid) }, gzipSync(valid)),
  ];
}

function mutateInstallation(payload: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const data = payload.data as { app_installation: Record<string, unknown> };
  return { ...payload, data: { ...data, app_installation: { ...data.app_installation, ...changes } } };
}

function logInputs(ctx: CorpusContext): HostileRequest[] {
  const auth = { authorization: `Bearer ${ctx.session}` };
  const get = (family: string, label: string, path: string, headers: Record<string, string> = auth) => entry("log", family, label, "GET", path, headers);
  const post = (family: string, label: string, path: string, body: string) => entry("log", family, label, "POST", path, { ...auth, ...JSON_HEADERS }, body);
  return [
    get("missing or extra auth", "no session", "/api/log", {}),
    get("missing or extra auth", "garbage session", "/api/log", { authorization: "Bearer garbage" }),
    get("missing or extra auth", "session signed with another secret", "/api/log", { authorization: `Bearer ${ctx.sessions.wrongSecret}` }),
    get("missing or extra auth", "expired session", "/api/log", { authorization: `Bearer ${ctx.sessions.expired}` }),
    get("missing or extra auth", "stream token used as a session", "/api/log", { authorization: `Bearer ${ctx.sessions.stream}` }),
    get("missing or extra auth", "app-token used as a session", "/api/log", { authorization: `Bearer ${ctx.tokens.expired}` }),
    get("missing or extra auth", "session for a removed installation", "/api/log/retention", { authorization: `Bearer ${ctx.sessions.unknownInstallation}` }),
    get("missing or extra auth", "session token in the stream's query", `/api/log/stream?token=${ctx.session}`, {}),
    get("missing or extra auth", "expired token in the stream's query", `/api/log/stream?token=${ctx.sessions.expired}`, {}),
    get("missing or extra auth", "stream without a token", "/api/log/stream", {}),
    get("another installation", "the other installation's row", `/api/log/${ctx.otherRowId}`),
    get("another installation", "the other installation's row, retried", `/api/log/${ctx.otherRowId}/retry`),
    entry("log", "another installation", "retry the other installation's row", "POST", `/api/log/${ctx.otherRowId}/retry`, auth),
    get("wrong types", "status unknown", "/api/log?status=bogus"),
    get("wrong types", "direction unknown", "/api/log?direction=sideways"),
    get("wrong types", "from is not a date", "/api/log?from=yesterday"),
    get("wrong types", "to before from", "/api/log?from=2026-01-02&to=2026-01-01"),
    get("wrong types", "limit 0", "/api/log?limit=0"),
    get("wrong types", "limit 10,000", "/api/log?limit=10000"),
    get("wrong types", "limit is a word", "/api/log?limit=all"),
    get("wrong types", "cursor negative", "/api/log?cursor=-1"),
    get("wrong types", "cursor beyond 2^53", "/api/log?cursor=99999999999999999999"),
    get("wrong types", "httpStatus 99", "/api/log?httpStatus=99"),
    get("wrong types", "httpStatusClass 9", "/api/log?httpStatusClass=9"),
    get("wrong types", "eventType over 40 characters", `/api/log?eventType=${"t".repeat(41)}`),
    get("wrong types", "messageId over 100 characters", `/api/log?messageId=${"m".repeat(101)}`),
    get("wrong types", "error filter over 200 characters", `/api/log?error=${"e".repeat(201)}`),
    get("unicode and control characters", "status with NUL", "/api/log?status=queued%00"),
    get("unicode and control characters", "direction with RTL override", `/api/log?direction=${encodeURIComponent("\u202Ednuobni")}`),
    get("prototype pollution", "__proto__ in the query", "/api/log?__proto__[status]=queued&status=nope"),
    get("wrong types", "row id is a word", "/api/log/abc"),
    get("wrong types", "row id of 16 digits", "/api/log/1234567890123456"),
    get("wrong types", "row id that does not exist", "/api/log/999999999"),
    get("wrong types", "summary from is not a date", "/api/log/summary?from=later"),
    get("wrong types", "export as XML", "/api/log/export?format=xml"),
    get("wrong types", "recent events limit 101", "/api/log/recent-events?limit=101"),
    get("wrong types", "unknown retry job", "/api/log/retry/no-such-job"),
    entry("log", "wrong types", "cancel an unknown retry job", "POST", "/api/log/retry/no-such-job/cancel", auth),
    post("wrong types", "bulk retry with an unknown status", "/api/log/retry", '{"status":"bogus"}'),
    post("wrong types", "bulk retry with from after to", "/api/log/retry", '{"from":"2026-02-01","to":"2026-01-01"}'),
    post("malformed JSON", "bulk retry with malformed JSON", "/api/log/retry", "{"),
    post("prototype pollution", "bulk retry with __proto__", "/api/log/retry", '{"__proto__":{"status":"failed"}}'),
    entry("log", "wrong types", "retry a delivered row", "POST", `/api/log/${ctx.ownRowId}/retry`, auth),
  ];
}

function configInputs(ctx: CorpusContext): HostileRequest[] {
  const auth = { authorization: `Bearer ${ctx.session}`, ...JSON_HEADERS };
  const post = (family: string, label: string, path: string, body: string | Buffer, headers: Record<string, string> = auth) => entry("config", family, label, "POST", path, headers, body);
  // Pass-through maps every trait, so the tester would really send something if the host were allowed.
  const draft = (personalize: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      configuration: { personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, ...personalize }, unmappedTraits: "passthrough" },
      serverConfiguration: { personalizeManagementToken: "tok" },
      ...extra,
    });
  const ssrfTargets = [
    ctx.canaryUrl,
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]:1/",
    "http://0x7f000001:1/",
    "http://2130706433:1/",
    "https://personalize-edge.contentstack.com.evil.test/",
    "https://personalize-edge.contentstack.com@127.0.0.1:1/",
    "https://user:password@personalize-edge.contentstack.com/",
    "https://personalize-edge.contentstack.com:8443/",
    "gopher://127.0.0.1:25/",
    "file:///etc/passwd",
    `http://${new URL(ctx.personalizeUrl).hostname}:1/`,
  ];
  const endpoints = ["/api/personalize/test-connection", "/api/personalize/catalog", "/api/tester/send"];
  return [
    ...ssrfTargets.flatMap((url) =>
      endpoints.map((path) =>
        post("SSRF target", `${path} → ${url}`, path, path === "/api/tester/send" ? draft({ customEdgeUrl: url }, { event: validIdentify("ssrf-user") }) : draft({ customEdgeUrl: url, customManagementUrl: url })),
      ),
    ),
    ...MALFORMED_JSON.filter(Boolean).map((body, i) => post("malformed JSON", `test-connection malformed JSON #${i}`, "/api/personalize/test-connection", body)),
    ...WRONG_SHAPES.map((body) => post("wrong types", `tester preview body ${body}`, "/api/tester/preview", body)),
    post("wrong types", "configuration is a string", "/api/personalize/test-connection", '{"configuration":"x","serverConfiguration":{}}'),
    post("wrong types", "projectUid missing", "/api/personalize/test-connection", JSON.stringify({ configuration: {}, serverConfiguration: {} })),
    post("wrong types", "catalog without a management token", "/api/personalize/catalog", JSON.stringify({ configuration: { personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: ctx.personalizeUrl } }, serverConfiguration: {} })),
    post("wrong types", "create with an unknown kind", "/api/personalize/create", draft({ customEdgeUrl: ctx.personalizeUrl }, { kind: "audience", key: "k" })),
    post("wrong types", "create with an empty key", "/api/personalize/create", draft({ customEdgeUrl: ctx.personalizeUrl }, { kind: "attribute", key: "  " })),
    post("wrong types", "create with a 300-character key", "/api/personalize/create", draft({ customEdgeUrl: ctx.personalizeUrl }, { kind: "attribute", key: "k".repeat(300) })),
    post("wrong types", "preview without an event", "/api/tester/preview", JSON.stringify({ configuration: {} })),
    post("wrong types", "preview of an event without ids", "/api/tester/preview", JSON.stringify({ configuration: {}, event: { type: "identify" } })),
    post("wrong types", "preview of a string event", "/api/tester/preview", JSON.stringify({ configuration: {}, event: "identify" })),
    post("wrong types", "send an event whose userId has a newline", "/api/tester/send", draft({ customEdgeUrl: ctx.personalizeUrl }, { event: { ...validIdentify(), userId: "a\nb" } })),
    post("deep body", "preview of an event nested 10,000 deep", "/api/tester/preview", `{"configuration":{},"event":${nested(10_000, "array")}}`),
    post("deep body", "preview of an event nested 100,000 deep", "/api/tester/preview", `{"configuration":{},"event":${nested(100_000, "object")}}`),
    post("deep body", "test-connection nested 10,000 deep", "/api/personalize/test-connection", `{"configuration":${nested(10_000, "array")}}`),
    post("huge body", "body over 1 MB", "/api/tester/preview", `{"configuration":{},"event":{"pad":"${"x".repeat(1024 * 1024)}"}}`),
    post("prototype pollution", "__proto__ in the draft", "/api/personalize/test-connection", '{"__proto__":{"configuration":{}},"configuration":{}}'),
    post("prototype pollution", "constructor.prototype in the event", "/api/tester/preview", '{"configuration":{},"event":{"constructor":{"prototype":{"x":1}}}}'),
    post("wrong content type", "text/plain draft", "/api/personalize/test-connection", draft({ customEdgeUrl: ctx.personalizeUrl }), { ...auth, "content-type": "text/plain" }),
    post("bad gzip", "gzip draft", "/api/personalize/test-connection", gzipSync(draft({ customEdgeUrl: ctx.personalizeUrl })), { ...auth, "content-encoding": "gzip" }),
    post("missing or extra auth", "no session", "/api/personalize/test-connection", draft({ customEdgeUrl: ctx.personalizeUrl }), JSON_HEADERS),
    post("missing or extra auth", "expired session", "/api/tester/send", draft({ customEdgeUrl: ctx.personalizeUrl }, { event: validIdentify() }), { ...JSON_HEADERS, authorization: `Bearer ${ctx.sessions.expired}` }),
    post("missing or extra auth", "session for a removed installation", "/api/tester/preview", JSON.stringify({ configuration: {}, event: validIdentify() }), { ...JSON_HEADERS, authorization: `Bearer ${ctx.sessions.unknownInstallation}` }),
    entry("config", "missing or extra auth", "installation without a session", "GET", "/api/installation", {}),
    entry("config", "missing or extra auth", "observed keys with a stream token", "GET", "/api/observed", { authorization: `Bearer ${ctx.sessions.stream}` }),
    entry("config", "wrong method", "DELETE the installation", "DELETE", "/api/installation", { authorization: `Bearer ${ctx.session}` }),
  ];
}

/** What no HTTP client library will send: the server's HTTP parser must answer these, not crash. */
function rawHttpInputs(): HostileRequest[] {
  const raw = (label: string, text: string | Buffer): HostileRequest => ({
    endpoint: "http",
    family: "malformed HTTP",
    label,
    method: "",
    path: "",
    headers: {},
    raw: Buffer.from(text),
    expect: "refuse",
  });
  return [
    raw("garbage request line", "GARBAGE\r\n\r\n"),
    raw("control character in a header value", "POST /v1/batch HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\n{}"),
    raw("header over 64 KB", `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(65_536)}\r\n\r\n`),
    raw("Content-Length is a word", "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}"),
    raw("Content-Length and chunked (smuggling)", "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    raw("two Content-Lengths", "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
    raw("bad chunk size", "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n"),
    raw("absolute-form URL to another host", "POST http://169.254.169.254/v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
    raw("NUL in the path", "GET /api/log\u0000 HTTP/1.1\r\nHost: x\r\n\r\n"),
    raw("space in the path", "GET /api/ log HTTP/1.1\r\nHost: x\r\n\r\n"),
    raw("unknown method", "BREW /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
    raw("HTTP/2 preface on HTTP/1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    raw("URL of 20 KB", `GET /api/log?${"q=1&".repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
    raw("header name with a space", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n"),
    raw("obsolete line folding", "POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Basic\r\n abc\r\nContent-Length: 2\r\n\r\n{}"),
  ];
}
