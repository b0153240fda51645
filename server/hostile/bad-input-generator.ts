/**
 * Generated hostile inputs, seeded so a run repeats exactly: each breaks at least one rule the route enforces
 * (an invalid event, a bad filter, a host we may not call, a bad signature or token) and adds harmless noise around
 * it (unicode, emoji, bidi and zero-width characters, escaped control characters, long strings, gzip, odd header
 * case, random byte flips), so the refusal must come from the rule and nothing else may fail on the way.
 */
import { gzipSync } from "node:zlib";
import { TEST_PROJECT_UID } from "../testing/harness.ts";
import { seededRandom } from "../testing/seeded-random.ts";
import { JSON_HEADERS, basicAuth, signedLifecycleRequest, webhookSignature, type CorpusContext } from "./corpus-context.ts";
import type { HostileRequest } from "./hostile-request.ts";
import { INVALID_EVENTS, validIdentify, type SegmentMessage } from "./invalid-events.ts";

/** The authentication routes are rate-limited per address; generated inputs stay well inside their budgets. */
const MAX_GENERATED_SESSION = 20;
const MAX_GENERATED_LIFECYCLE = 30;

const NOISE_PIECES = ["plain", "ünïcödé", "日本語テキスト", "😀👍🏽", "\u202Eevil", "zero\u200bwidth", "\u0000\u0001\u001f", "tab\tnew\nline", "\\\"quoted\\\"", "%00%2e%2e", "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}"];
const BAD_STATUS_VALUES = ["bogus", "QUEUED", "queued;drop table", "%00", "delivered,nope", "null"];
const BAD_NUMBERS = ["-1", "0", "1e400", "NaN", "abc", "99999999999999999999", "1.5", " "];
const SSRF_HOSTS = ["127.0.0.1:1", "localhost:22", "169.254.169.254", "[::1]:80", "10.0.0.1", "metadata.google.internal", "personalize-edge.contentstack.com.evil.test", "0.0.0.0:9"];

export function generateHostileInputs(ctx: CorpusContext, count: number, seed: number): HostileRequest[] {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const noise = () => Array.from({ length: 1 + int(3) }, () => pick(NOISE_PIECES)).join(" ").repeat(random() < 0.05 ? 200 : 1);
  const noisyEvent = (userId: string): SegmentMessage => ({
    ...validIdentify(userId),
    traits: { plan: noise(), [noise().slice(0, 20)]: noise(), nested: { list: [noise(), int(1000), random() < 0.5] } },
    context: { library: { name: "hostile-generator", version: "1" }, locale: noise().slice(0, 10) },
  });
  const broken = (userId: string, allowTypeBreakage = true) => {
    const candidates = allowTypeBreakage ? INVALID_EVENTS : INVALID_EVENTS.filter((b) => !b.typeIsWrong);
    let event = noisyEvent(userId);
    for (let i = 0, n = 1 + int(2); i < n; i++) event = pick(candidates).make(event);
    return event;
  };
  const flipBytes = (body: Buffer) => {
    const copy = Buffer.from(body);
    for (let i = 0, n = 1 + int(4); i < n; i++) copy[int(copy.length)] = int(256);
    return random() < 0.3 ? copy.subarray(0, int(copy.length)) : copy;
  };
  const headerCase = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [random() < 0.3 ? k.toUpperCase() : k, v]));

  let sessions = 0;
  let lifecycles = 0;
  const carriers: Array<(i: number) => HostileRequest | null> = [
    (i) => {
      const events = random() < 0.4 ? Array.from({ length: 2 + int(20) }, (_, k) => broken(`gen-${i}-${k}`)) : broken(`gen-${i}`);
      let body = Buffer.from(JSON.stringify(events));
      const twist = random();
      if (twist < 0.1) body = flipBytes(body);
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (twist >= 0.1 && twist < 0.2) headers["x-signature"] = webhookSignature(pick([ctx.other.sharedSecret, noise()]), body);
      else if (twist >= 0.2 && twist < 0.25) headers.authorization = `Bearer ${noise().replace(/[^\x21-\x7e]/g, "x")}`;
      else headers["x-signature"] = webhookSignature(ctx.target.sharedSecret, body);
      if (random() < 0.2) {
        headers["content-encoding"] = "gzip";
        return generated("webhook", `webhook #${i} (gzip)`, `/ingest/segment/${ctx.target.uid}`, headerCase(headers), gzipSync(body));
      }
      return generated("webhook", `webhook #${i}`, `/ingest/segment/${ctx.target.uid}`, headerCase(headers), body);
    },
    (i) => {
      const body = Buffer.from(JSON.stringify({ batch: Array.from({ length: 1 + int(25) }, (_, k) => broken(`gen-${i}-${k}`)), sentAt: new Date().toISOString() }));
      const headers: Record<string, string> = { ...JSON_HEADERS, authorization: basicAuth(random() < 0.1 ? `wk_${int(1e9)}` : ctx.target.writeKey) };
      const sent = random() < 0.1 ? flipBytes(body) : body;
      if (random() < 0.3) return generated("tracking", `/v1/batch #${i} (gzip)`, "/v1/batch", headerCase({ ...headers, "content-encoding": "gzip" }), gzipSync(sent));
      return generated("tracking", `/v1/batch #${i}`, "/v1/batch", headerCase(headers), sent);
    },
    (i) => {
      const event = broken(`gen-${i}`, false);
      const type = typeof event.type === "string" && ["identify", "track", "page", "screen", "group", "alias"].includes(event.type) ? event.type : "identify";
      return generated("tracking", `/v1/${type} #${i}`, `/v1/${type}`, { ...JSON_HEADERS, authorization: basicAuth(ctx.target.writeKey) }, Buffer.from(JSON.stringify(event)));
    },
    (i) => {
      const params = new URLSearchParams();
      const path = pick(["/api/log", "/api/log/export", "/api/log/stream"]);
      // Only the list pages; the export and the stream take the filter alone.
      const paging = path === "/api/log" ? ["limit", "cursor"] : [];
      const bad = pick(["status", "direction", "from", "httpStatus", "httpStatusClass", "eventType", "messageId", ...paging]);
      const value = ["status", "direction"].includes(bad)
        ? pick(BAD_STATUS_VALUES) + (random() < 0.5 ? noise() : "")
        : ["eventType", "messageId"].includes(bad)
          ? noise().padEnd(120, "x")
          : bad === "from"
            ? pick(["yesterday", "2026-13-45", noise()])
            : pick(BAD_NUMBERS);
      params.set(bad, value);
      if (random() < 0.5) params.set("userId", noise());
      const headers: Record<string, string> = path.endsWith("stream") ? {} : { authorization: `Bearer ${ctx.session}` };
      if (path.endsWith("stream")) params.set("token", ctx.session);
      return generated("log", `log filter #${i} (${bad})`, `${path}?${params}`, headers, undefined, "GET");
    },
    (i) => {
      const personalize = random() < 0.6
        ? { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: `${pick(["http", "https", "ftp", "gopher"])}://${pick(SSRF_HOSTS)}/${encodeURIComponent(noise())}` }
        : { region: "CUSTOM", projectUid: noise().slice(0, 23), customEdgeUrl: ctx.personalizeUrl };
      const body = JSON.stringify({ configuration: { personalize }, serverConfiguration: { personalizeManagementToken: "tok" }, event: broken(`gen-${i}`) });
      const path = pick(["/api/personalize/test-connection", "/api/personalize/catalog", "/api/tester/send", "/api/tester/preview"]);
      return generated("config", `config draft #${i}`, path, { ...JSON_HEADERS, authorization: `Bearer ${ctx.session}` }, Buffer.from(body));
    },
    (i) => {
      if (sessions >= MAX_GENERATED_SESSION) return null;
      sessions += 1;
      const parts = Array.from({ length: 1 + int(4) }, () => Buffer.from(noise()).toString("base64url"));
      const token = random() < 0.5 ? parts.join(".") : `${ctx.tokens.expired.split(".").slice(0, 2).join(".")}.${parts[0]}`;
      return generated("session", `app-token #${i}`, "/api/session", { authorization: `Bearer ${token}` }, undefined);
    },
    (i) => {
      if (lifecycles >= MAX_GENERATED_LIFECYCLE) return null;
      lifecycles += 1;
      const configuration = pick([
        { personalize: { projectUid: noise() } },
        { attributeMappings: [{ id: noise(), source: `traits.${noise()}`, attribute: "" }] },
        { retention: { days: -int(100) } },
        { eventMappings: [{ id: "e", segmentEvent: noise(), personalizeEvent: "x", condition: `(${noise()}` }] },
      ]);
      const payload = ctx.lifecyclePayload("update", { configuration, serverConfiguration: {} }, random() < 0.3 ? new Date(Date.now() - 600_000) : new Date());
      const request = signedLifecycleRequest(ctx.signLifecycle, payload, `lifecycle #${i}`);
      return { ...request, family: "generated: lifecycle", body: random() < 0.2 ? flipBytes(request.body!) : request.body };
    },
  ];

  const inputs: HostileRequest[] = [];
  for (let i = 0; inputs.length < count && i < count * 3; i++) {
    const input = pick(carriers)(i);
    if (input) inputs.push(input);
  }
  return inputs;
}

function generated(endpoint: HostileRequest["endpoint"], label: string, path: string, headers: Record<string, string>, body: Buffer | undefined, method = "POST"): HostileRequest {
  return { endpoint, family: `generated: ${endpoint}`, label, method, path, headers, body, expect: "refuse" };
}
