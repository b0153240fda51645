/**
 * Every refusal the service owes an intruder, each as one check that says what went wrong or null: forged, expired
 * and wrong-app app-tokens; a session used against another installation; bad, stale and replayed lifecycle
 * webhooks; webhook ingest with a bad or replayed signature; SSRF through the lifecycle and the config API; secrets
 * sealed at rest and readable across a key rotation; the UI's CSP; and the rate limits on the authentication routes.
 * The first list runs before the bad input; the second restarts the server and runs after it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { REGIONS, contentstackAppHost } from "../../src/shared/regions.ts";
import { generateSecretKeySpec } from "../security/secret-box.ts";
import { TEST_PROJECT_UID, eventually, startTestStack, type TestInstallation } from "../testing/harness.ts";
import type { ProcessStack } from "../testing/process-stack.ts";
import type { Canary } from "./canary.ts";
import { JSON_HEADERS, basicAuth, webhookSignature, type CorpusContext } from "./corpus-context.ts";
import { findLeaks } from "./secret-leaks.ts";

export interface SecurityEnvironment {
  stack: ProcessStack;
  ctx: CorpusContext;
  canary: Canary;
}

export interface SecurityCheck {
  name: string;
  /** Resolves null when the service refused (or behaved) as it must, else what it did instead. */
  run(env: SecurityEnvironment): Promise<string | null>;
}

export interface CheckResult {
  name: string;
  problem: string | null;
}

/** The local host simulator's origin in the CSP check, as `npm start` adds it. */
const SIMULATOR_ORIGIN = "http://127.0.0.1:3001";

interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expect(answer: Answer, status: number, message?: RegExp): string | null {
  if (answer.status !== status) return `expected ${status}, got ${answer.status}: ${answer.body.slice(0, 200)}`;
  if (message && !message.test(answer.body)) return `the ${status} does not say ${message}: ${answer.body.slice(0, 200)}`;
  return null;
}

const first = (...problems: Array<string | null>) => problems.find((problem) => problem !== null) ?? null;

const postSession = (env: SecurityEnvironment, token: string, headers: Record<string, string> = {}) =>
  call(`${env.stack.url}/api/session`, { method: "POST", headers: { ...bearer(token), ...headers } });

async function installationStillThere(env: SecurityEnvironment): Promise<string | null> {
  const answer = await call(`${env.stack.url}/api/installation`, { headers: bearer(env.ctx.session) });
  return answer.status === 200 ? null : `the installation is gone after a refused webhook (${answer.status})`;
}

function signedLifecycle(env: SecurityEnvironment, payload: unknown, tamper = (body: string) => body, padding: "pss" | "pkcs1" = "pss") {
  const body = JSON.stringify(payload);
  return call(`${env.stack.url}/webhooks/contentstack`, {
    method: "POST",
    headers: { ...JSON_HEADERS, "x-contentstack-request-signature": env.ctx.signLifecycle(body, padding) },
    body: tamper(body),
  });
}

function postWebhook(env: SecurityEnvironment, installation: TestInstallation, body: string, secret: string) {
  return call(`${env.stack.url}/ingest/segment/${installation.uid}`, {
    method: "POST",
    headers: { ...JSON_HEADERS, "x-signature": webhookSignature(secret, Buffer.from(body)) },
    body,
  });
}

async function rowsWithMessageId(env: SecurityEnvironment, installationUid: string, messageId: string) {
  const store = await env.stack.openStore();
  try {
    return await store.queryLog({ installationUid, messageId, limit: 10 });
  } finally {
    await store.close();
  }
}

/** A draft the config screen could send, pointing Personalize at `url`, with something to send. */
function draftFor(url: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    configuration: { personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: url, customManagementUrl: url }, unmappedTraits: "passthrough" },
    serverConfiguration: { personalizeManagementToken: "management-token" },
    ...extra,
  });
}

function ssrfTargets(canary: Canary): string[] {
  const { port } = new URL(canary.url);
  return [canary.url, `https://personalize-edge.contentstack.com@127.0.0.1:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, `http://2130706433:${port}/`, "http://169.254.169.254/latest/meta-data/"];
}

/** Bytes of the SQLite database and its WAL and shared-memory files, where a plaintext secret could sit. */
function databaseBytes(databasePath: string): string {
  return ["", "-wal", "-shm"]
    .map((suffix) => databasePath + suffix)
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path).toString("latin1"))
    .join("\n");
}

function sealedKeyIds(databasePath: string): Record<string, string> {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT uid, server_configuration FROM installations").all() as Array<{ uid: string; server_configuration: string }>;
    return Object.fromEntries(rows.map((row) => [row.uid, row.server_configuration.split(".").slice(0, 2).join(".")]));
  } finally {
    db.close();
  }
}

async function trackAccepted(env: SecurityEnvironment, installation: TestInstallation): Promise<string | null> {
  const answer = await call(`${env.stack.url}/v1/track`, {
    method: "POST",
    headers: { ...JSON_HEADERS, authorization: basicAuth(installation.writeKey) },
    body: JSON.stringify({ userId: "rotation-user", event: "Key Rotated" }),
  });
  return answer.status === 200 ? null : `the write key no longer works (${answer.status}: ${answer.body.slice(0, 200)})`;
}

/** Sends requests until one is answered 429; returns how many it took, or null if none was within `max`. */
async function requestsUntilLimited(send: (i: number) => Promise<Answer>, max: number): Promise<{ count: number; answer: Answer } | null> {
  for (let i = 1; i <= max; i++) {
    const answer = await send(i);
    if (answer.status === 429) return { count: i, answer };
  }
  return null;
}

const spoofedAddress = (i: number) => `203.0.113.${i % 250}, 198.51.100.${(i * 7) % 250}`;

export const REFUSAL_CHECKS: SecurityCheck[] = [
  {
    name: "a forged app-token (signed with another RSA key) is refused",
    run: async (env) => expect(await postSession(env, env.ctx.tokens.forged), 401, /signature is invalid/),
  },
  {
    name: "an expired app-token is refused",
    run: async (env) => expect(await postSession(env, env.ctx.tokens.expired), 401, /expired/),
  },
  {
    name: "an app-token for another app is refused",
    run: async (env) => expect(await postSession(env, env.ctx.tokens.wrongApp), 401, /another app/),
  },
  {
    name: "unsigned (alg none) and HS256 app-tokens are refused",
    run: async (env) => first(expect(await postSession(env, env.ctx.tokens.algNone), 401), expect(await postSession(env, env.ctx.tokens.hs256), 401)),
  },
  {
    name: "a session cannot reach another installation's rows or configuration",
    async run(env) {
      const { ctx, stack } = env;
      const headers = bearer(ctx.session);
      const own = await call(`${stack.url}/api/installation?installationUid=${ctx.other.uid}`, { headers });
      const list = await call(`${stack.url}/api/log?limit=200&installationUid=${ctx.other.uid}`, { headers });
      const listed = (JSON.parse(list.body) as { items: Array<{ id: string }> }).items.some((item) => Number(item.id) === ctx.otherRowId);
      return first(
        expect(await call(`${stack.url}/api/log/${ctx.otherRowId}`, { headers }), 404),
        expect(await call(`${stack.url}/api/log/${ctx.otherRowId}/retry`, { method: "POST", headers }), 404),
        (JSON.parse(own.body) as { installationUid?: string }).installationUid === ctx.target.uid ? null : `GET /api/installation answered for ${own.body.slice(0, 100)}`,
        listed ? "the other installation's row is listed" : null,
      );
    },
  },
  {
    name: "a lifecycle webhook with a tampered body is refused",
    run: async (env) =>
      first(
        expect(await signedLifecycle(env, env.ctx.lifecyclePayload("uninstall", {}), (body) => body.replace('"uninstall"', '"uninstalL"')), 401, /does not match/),
        await installationStillThere(env),
      ),
  },
  {
    name: "a lifecycle webhook signed with the other RSA padding is refused",
    run: async (env) => first(expect(await signedLifecycle(env, env.ctx.lifecyclePayload("uninstall", {}), undefined, "pkcs1"), 401), await installationStillThere(env)),
  },
  {
    name: "a stale lifecycle webhook (triggered_at 6 minutes ago) is refused",
    run: async (env) =>
      first(
        expect(await signedLifecycle(env, env.ctx.lifecyclePayload("uninstall", {}, new Date(Date.now() - 6 * 60_000))), 401, /5 minutes/),
        await installationStillThere(env),
      ),
  },
  {
    name: "a replayed lifecycle webhook (same signed body) is refused",
    async run(env) {
      const payload = env.ctx.lifecyclePayload("install", {});
      return first(expect(await signedLifecycle(env, payload), 200), expect(await signedLifecycle(env, payload), 409, /already applied/));
    },
  },
  {
    name: "webhook ingest with a bad signature is refused and queues nothing",
    async run(env) {
      const body = JSON.stringify({ type: "identify", userId: "intruder", messageId: "bad-signature-1", traits: { plan: "stolen" } });
      const answer = await postWebhook(env, env.ctx.target, body, "not-the-shared-secret");
      const rows = await rowsWithMessageId(env, env.ctx.target.uid, "bad-signature-1");
      return first(expect(answer, 401, /X-Signature does not match/), rows.length ? `${rows.length} rows stored for the refused event` : null);
    },
  },
  {
    name: "a replayed webhook delivery (same body and signature) changes nothing",
    async run(env) {
      // Segment signs no timestamp (segment.md §2.1), so a replay is caught by its messageId.
      const body = JSON.stringify({ type: "identify", userId: "replay-check", messageId: "replay-check-1", traits: { plan: "gold" } });
      const original = await postWebhook(env, env.ctx.target, body, env.ctx.target.sharedSecret);
      const replay = await postWebhook(env, env.ctx.target, body, env.ctx.target.sharedSecret);
      // Both are acknowledged (as Segment's own API does); the replay is logged as deduplicated once expanded.
      const inbound = async () =>
        (await rowsWithMessageId(env, env.ctx.target.uid, "replay-check-1")).filter((row) => row.direction === "inbound");
      const rows = await eventually(async () => ((await inbound()).length >= 2 ? inbound() : null), 10_000).catch(inbound);
      const accepted = rows.filter((row) => row.status !== "deduplicated");
      return first(
        expect(original, 200, /"accepted":1/),
        expect(replay, 200, /"accepted":1/),
        rows.length === 2 ? null : `${rows.length} inbound rows for the original and its replay`,
        accepted.length === 1 ? null : `${accepted.length} accepted rows for one messageId`,
      );
    },
  },
  {
    name: "SSRF: a lifecycle configuration pointing Personalize elsewhere is saved but never called",
    async run(env) {
      const hitsBefore = env.canary.hits();
      const problems: Array<string | null> = [];
      for (const url of ssrfTargets(env.canary).slice(0, 2)) {
        const installation = await env.stack.install({
          configuration: { personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: url }, unmappedTraits: "passthrough" },
        });
        const sent = await call(`${env.stack.url}/v1/identify`, {
          method: "POST",
          headers: { ...JSON_HEADERS, authorization: basicAuth(installation.writeKey) },
          body: JSON.stringify({ userId: "ssrf-user", messageId: "ssrf-1", traits: { plan: "gold" } }),
        });
        problems.push(expect(sent, 200));
        const [row] = await eventually(async () => {
          const rows = await rowsWithMessageId(env, installation.uid, "ssrf-1");
          return rows.length && rows[0].status !== "queued" ? rows : null;
        }, 10_000);
        problems.push(row.status === "filtered" && /PERSONALIZE_HOST_ALLOWLIST/.test(row.error ?? "") ? null : `${url}: the event ended ${row.status} (${row.error})`);
      }
      // Each event has settled as filtered above, so nothing is left that could still call the canary.
      problems.push(env.canary.hits() === hitsBefore ? null : `the canary was called ${env.canary.hits() - hitsBefore} times`);
      return first(...problems);
    },
  },
  {
    name: "SSRF: the config API refuses hosts outside the regional list and the operator allowlist",
    async run(env) {
      const hitsBefore = env.canary.hits();
      const headers = { ...bearer(env.ctx.session), ...JSON_HEADERS };
      const problems: Array<string | null> = [];
      for (const url of ssrfTargets(env.canary)) {
        for (const path of ["/api/personalize/test-connection", "/api/personalize/catalog"]) {
          problems.push(expect(await call(`${env.stack.url}${path}`, { method: "POST", headers, body: draftFor(url) }), 400, /PERSONALIZE_HOST_ALLOWLIST|must not contain credentials/));
        }
        const send = await call(`${env.stack.url}/api/tester/send`, { method: "POST", headers, body: draftFor(url, { event: { type: "identify", userId: "u", traits: { plan: "x" } } }) });
        problems.push(expect(send, 400, /PERSONALIZE_HOST_ALLOWLIST|must not contain credentials/));
      }
      problems.push(env.canary.hits() === hitsBefore ? null : `the canary was called ${env.canary.hits() - hitsBefore} times`);
      return first(...problems);
    },
  },
  {
    name: "SSRF control: a host on the operator allowlist is reachable",
    async run(env) {
      const headers = { ...bearer(env.ctx.session), ...JSON_HEADERS };
      const answer = await call(`${env.stack.url}/api/personalize/test-connection`, { method: "POST", headers, body: draftFor(env.ctx.personalizeUrl) });
      return first(expect(answer, 200), /"edge":\{"ok":true/.test(answer.body) ? null : `the allowlisted emulator was not reached: ${answer.body.slice(0, 200)}`);
    },
  },
  {
    name: "secrets at rest: no installation secret is in the SQLite file, its WAL or shared memory in plaintext",
    async run(env) {
      const secrets = { webhookBearerToken: "bearer-token-0123456789abcdef-0123456789", segmentWriteKey: "segment-write-key-0123456789", personalizeManagementToken: "management-token-0123456789abcdef" };
      const installation = await env.stack.install({ serverConfiguration: secrets });
      const leaks = findLeaks(databaseBytes(env.stack.databasePath), [installation.writeKey, installation.sharedSecret, ...Object.values(secrets), ...env.stack.knownSecrets()]);
      const sealed = sealedKeyIds(env.stack.databasePath)[installation.uid];
      return first(leaks.length ? `plaintext in the database files: ${leaks.join(", ")}` : null, sealed?.startsWith("v1.") ? null : `server_configuration is not sealed (${sealed})`);
    },
  },
  {
    name: "secrets never leave in a response: GET /api/installation masks them",
    async run(env) {
      const answer = await call(`${env.stack.url}/api/installation`, { headers: bearer(env.ctx.session) });
      const leaks = findLeaks(answer.body, env.stack.knownSecrets());
      return first(expect(answer, 200, /••••/), leaks.length ? `the response carries ${leaks.join(", ")}` : null);
    },
  },
  {
    name: "the UI is served with a CSP whose frame-ancestors are only Contentstack's app hosts and the simulator",
    async run() {
      const uiDir = mkdtempSync(join(tmpdir(), "segment-sync-ui-"));
      writeFileSync(join(uiDir, "index.html"), "<!doctype html><title>app</title>");
      writeFileSync(join(uiDir, "app.js"), "");
      const stack = await startTestStack({ uiDir, frameAncestors: [SIMULATOR_ORIGIN] });
      try {
        const expected = [...REGIONS.map(contentstackAppHost), SIMULATOR_ORIGIN].sort();
        const problems: Array<string | null> = [];
        for (const path of ["/", "/config", "/sync-log", "/dashboard", "/app.js"]) {
          const answer = await call(`${stack.url}${path}`);
          const csp = answer.headers.get("content-security-policy") ?? "";
          const ancestors = /frame-ancestors ([^;]*)/.exec(csp)?.[1].trim().split(/\s+/).sort() ?? [];
          problems.push(JSON.stringify(ancestors) === JSON.stringify(expected) ? null : `${path}: frame-ancestors is "${ancestors.join(" ")}" (CSP "${csp}")`);
        }
        return first(...problems);
      } finally {
        await stack.close();
        rmSync(uiDir, { recursive: true, force: true });
      }
    },
  },
];

export const LIMIT_AND_KEY_CHECKS: SecurityCheck[] = [
  {
    name: "/api/session is rate-limited per address, and a forged X-Forwarded-For does not get around it",
    async run(env) {
      await env.stack.restart({ signal: "SIGTERM" });
      const limited = await requestsUntilLimited(
        (i) => postSession(env, "not-a-token", { "x-forwarded-for": spoofedAddress(i) }),
        61,
      );
      if (!limited) return "61 requests from one address with forged X-Forwarded-For were never answered 429";
      return first(limited.count === 61 ? null : `limited after ${limited.count} requests, not 61`, limited.answer.headers.get("retry-after") ? null : "the 429 has no Retry-After");
    },
  },
  {
    name: "behind a trusted proxy, /api/session is rate-limited per installation across addresses",
    async run(env) {
      await env.stack.restart({ signal: "SIGTERM", env: { TRUST_PROXY: "loopback" } });
      const token = await env.ctx.target.appToken();
      const limited = await requestsUntilLimited((i) => postSession(env, token, { "x-forwarded-for": `203.0.113.${i % 200}` }), 121);
      await env.stack.restart({ signal: "SIGTERM", env: { TRUST_PROXY: "" } });
      if (!limited) return "121 session requests for one installation from 120 addresses were never answered 429";
      return expect(limited.answer, 429, /for this installation/);
    },
  },
  {
    name: "the lifecycle webhook is rate-limited per address",
    async run(env) {
      const limited = await requestsUntilLimited(() => call(`${env.stack.url}/webhooks/contentstack`, { method: "POST", headers: JSON_HEADERS, body: "{}" }), 121);
      if (!limited) return "121 lifecycle requests from one address were never answered 429";
      return limited.answer.headers.get("retry-after") ? null : "the 429 has no Retry-After";
    },
  },
  {
    name: "secrets at rest: a second key rotates them, and the first can then be dropped",
    async run(env) {
      const { stack, ctx } = env;
      const firstKeys = stack.env.SECRETS_KEYS;
      const secondKey = generateSecretKeySpec("k2");
      await stack.restart({ signal: "SIGTERM", env: { SECRETS_KEYS: `${secondKey},${firstKeys}` } });
      const readsOldSeal = await trackAccepted(env, ctx.target);
      const resaved = await ctx.target.lifecycle("update");
      const afterResave = sealedKeyIds(stack.databasePath);
      await stack.restart({ signal: "SIGTERM", env: { SECRETS_KEYS: secondKey } });
      return first(
        readsOldSeal,
        resaved.ok ? null : `re-saving failed: ${resaved.status}`,
        afterResave[ctx.target.uid]?.startsWith("v1.k2") ? null : `re-saved with ${afterResave[ctx.target.uid]}, not the new key`,
        afterResave[ctx.other.uid]?.startsWith("v1.k1") ? null : `an installation not re-saved changed key (${afterResave[ctx.other.uid]})`,
        await trackAccepted(env, ctx.target),
        findLeaks(databaseBytes(stack.databasePath), stack.knownSecrets()).length ? "a secret is in the database in plaintext after rotation" : null,
      );
    },
  },
];

export const SECURITY_CHECK_NAMES = [...REFUSAL_CHECKS, ...LIMIT_AND_KEY_CHECKS].map((check) => check.name);

export async function runChecks(checks: SecurityCheck[], env: SecurityEnvironment): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    let problem: string | null;
    try {
      problem = await check.run(env);
    } catch (error) {
      problem = `the check failed to run: ${(error as Error).message}`;
    }
    results.push({ name: check.name, problem });
  }
  return results;
}
