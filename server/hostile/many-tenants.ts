/**
 * Many tenants on one server process: each numbered attack of issue 12 tried again, as an attacker would, by one
 * installation or an anonymous client against the others, with /healthz sampled and the server's memory read
 * during the abuses. Reports the figures the issue names (cross_tenant_effects, noisy_neighbour_503s, …) and one
 * check per attack: null when the server held, else what went wrong.
 */
import { gzipSync } from "node:zlib";
import { connect, type Socket } from "node:net";
import { signatureHeaderValue } from "../emulators/contentstack-host/lifecycle-webhook.ts";
import { startProcessStack, type ProcessStack } from "../testing/process-stack.ts";
import type { TestInstallation } from "../testing/harness.ts";
import { JSON_HEADERS, basicAuth, webhookSignature } from "./corpus-context.ts";
import { startProbe, type ProbeRequest } from "./latency-probe.ts";

export interface ManyTenantOptions {
  /** The per-installation ingest quota the server runs with (events/s; burst the same). */
  quotaEventsPerSecond: number;
  /** How long the quiet tenant's ack latency is measured before the flood, and during it. */
  phaseSeconds: number;
  invalidEvents: number;
  unauthenticatedRequests: number;
  slowClients: number;
  gzipBombs: number;
}

export interface ManyTenantCheck {
  item: number;
  name: string;
  problem: string | null;
}

export interface ManyTenantResult {
  tenants: number;
  cross_tenant_effects: number;
  noisy_neighbour_503s: number;
  noisy_neighbour_ack_p99_ratio: number;
  /** The quiet tenant's ack p99 before and during the flood, behind the ratio. */
  noisy_neighbour_ack_p99_ms: { before: number; during: number };
  healthz_p99_ms_under_abuse: number;
  /** The same per abuse, to see which one costs the others. */
  healthz_p99_ms_by_abuse: Record<string, number>;
  rss_peak_mb_under_abuse: number;
  rows_written_by_unauthenticated_requests: number;
  rejected_rows_per_10k_invalid_events: number;
  forged_batch_elements_accepted: number;
  write_key_takeovers: number;
  lifecycle_replays_accepted_after_restart: number;
  checks: ManyTenantCheck[];
  crashes: number;
}

const event = (userId: string, messageId: string, extra: Record<string, unknown> = {}) => ({
  type: "identify",
  userId,
  messageId,
  traits: { plan: "gold" },
  receivedAt: new Date().toISOString(),
  ...extra,
});

export async function runManyTenants(options: ManyTenantOptions): Promise<ManyTenantResult> {
  const stack = await startProcessStack({
    env: {
      INGEST_EVENTS_PER_SECOND_PER_INSTALLATION: String(options.quotaEventsPerSecond),
      INGEST_BURST_EVENTS_PER_INSTALLATION: String(options.quotaEventsPerSecond),
      HTTP_HEADERS_TIMEOUT_MS: "2000",
      HTTP_REQUEST_TIMEOUT_MS: "4000",
      LIVE_STREAMS_PER_INSTALLATION: "5",
    },
  });
  const checks: ManyTenantCheck[] = [];
  const check = (item: number, name: string, problem: string | null) => checks.push({ item, name, problem });
  const health = healthSampler(stack);
  let crossTenant = 0;
  try {
    const noisy = await stack.install();
    const quiet = await stack.install();
    const victim = await stack.install();

    // 1. Write-key takeover.
    const takeover = await noisy.lifecycle("update", { serverConfiguration: { trackingWriteKey: quiet.writeKey, webhookSharedSecret: noisy.sharedSecret } });
    const takeoverBody = await takeover.text();
    const keyOwner = await ownerOfWriteKey(stack, quiet, noisy);
    const write_key_takeovers = (takeover.status < 300 ? 1 : 0) + (keyOwner === noisy.uid ? 1 : 0);
    check(1, "a duplicate write key is refused with 409 and a message", takeover.status === 409 && /already belongs/.test(takeoverBody) ? null : `answered ${takeover.status}: ${takeoverBody.slice(0, 120)}`);

    // 2. Forged batch elements under one captured signature.
    const captured = event("forge-user", `forge-captured-${Date.now()}`);
    const capturedSignature = webhookSignature(victim.sharedSecret, Buffer.from(JSON.stringify(captured)));
    const forgedIds = [`forge-1-${Date.now()}`, `forge-2-${Date.now()}`];
    const forged = [captured, ...forgedIds.map((id) => event("forge-user", id, { traits: { plan: "stolen" } }))];
    const forgery = await post(stack, `/ingest/segment/${victim.uid}`, JSON.stringify(forged), { "x-signature": capturedSignature });
    const forged_batch_elements_accepted = await rowsWithMessageIds(stack, victim.uid, forgedIds);
    check(2, "a batch whose signature covers only its first element is refused", forgery.status === 401 && forged_batch_elements_accepted === 0 ? null : `answered ${forgery.status}; ${forged_batch_elements_accepted} forged elements stored`);
    const stale = event("forge-user", `forge-stale-${Date.now()}`, { receivedAt: new Date(Date.now() - 6 * 3600_000).toISOString() });
    const staleAnswer = await post(stack, `/ingest/segment/${victim.uid}`, JSON.stringify(stale), { "x-signature": webhookSignature(victim.sharedSecret, Buffer.from(JSON.stringify(stale))) });
    check(2, "a captured signed event replayed after Segment's retry window is refused", staleAnswer.status === 400 ? null : `answered ${staleAnswer.status}`);

    // 9. Unauthenticated writes into another tenant's log, and enumeration.
    const rowsBefore = await logRows(stack, victim.uid);
    const refusalsBefore = await refusalCount(stack, victim.uid);
    const statuses = new Map<number, number>();
    await inParallel(options.unauthenticatedRequests, 32, async (i) => {
      const body = JSON.stringify(event(`anon-${i}`, `anon-${i}`));
      const answer = await post(stack, `/ingest/segment/${victim.uid}`, body, i % 2 ? { "x-signature": "0".repeat(40) } : {});
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      await answer.body?.cancel();
    });
    await waitFor(async () => (await refusalCount(stack, victim.uid)) >= refusalsBefore + options.unauthenticatedRequests, 10_000);
    const rows_written_by_unauthenticated_requests = (await logRows(stack, victim.uid)) - rowsBefore;
    const counted = (await refusalCount(stack, victim.uid)) - refusalsBefore;
    // The counter may still add the earlier refusals of this section (it is written every 2 s).
    check(9, "unauthenticated requests write no row and are counted", rows_written_by_unauthenticated_requests === 0 && counted >= options.unauthenticatedRequests && statuses.get(401) === options.unauthenticatedRequests ? null : `${rows_written_by_unauthenticated_requests} rows, ${counted} counted, answers ${JSON.stringify(Object.fromEntries(statuses))}`);
    const body = JSON.stringify(captured);
    const headers = { "x-signature": webhookSignature("guess", Buffer.from(body)) };
    const [unknown, known] = await Promise.all([post(stack, "/ingest/segment/no-such-installation", body, headers), post(stack, `/ingest/segment/${victim.uid}`, body, headers)]);
    const [unknownText, knownText] = await Promise.all([unknown.text(), known.text()]);
    check(9, "an unknown installation is answered like a wrong credential", unknown.status === known.status && unknownText === knownText ? null : `${unknown.status} ${unknownText} vs ${known.status} ${knownText}`);

    // 8. Rejected rows bounded.
    const rejectedBefore = await rejectedRows(stack, quiet.uid);
    for (let sent = 0; sent < options.invalidEvents; sent += 500) {
      const batch = Array.from({ length: Math.min(500, options.invalidEvents - sent) }, (_, i) => ({ type: "track", event: "No user", messageId: `invalid-${sent + i}` }));
      const answer = await post(stack, "/v1/batch", JSON.stringify({ batch }), { authorization: basicAuth(quiet.writeKey) });
      await answer.body?.cancel();
      await waitForTokens(options);
    }
    const rejected = await rejectedRows(stack, quiet.uid);
    // Rows now, plus the one pooled row per reason still to come when the minute closes.
    const rejectedWritten = 2 * (rejected - rejectedBefore);
    const rejected_rows_per_10k_invalid_events = Math.round((rejectedWritten * 10_000) / options.invalidEvents);
    check(8, "identical rejections are counted on one row", rejected_rows_per_10k_invalid_events <= 100 ? null : `${rejected_rows_per_10k_invalid_events} rows per 10k`);

    // 5. Noisy neighbour: the quiet tenant's acks before and during a flood at 5× the quota.
    const before = await quietTraffic(stack, quiet, options.phaseSeconds, null);
    const during = await quietTraffic(stack, quiet, options.phaseSeconds, () => flood(stack, noisy, options.quotaEventsPerSecond * 5));
    const noisy_neighbour_503s = during.statuses.filter((s) => s >= 500).length + during.statuses.filter((s) => s === 429).length;
    const noisy_neighbour_ack_p99_ratio = round(percentile(during.acksMs, 0.99) / Math.max(1, percentile(before.acksMs, 0.99)));
    check(5, "a flood at 5× its quota gets the flooding tenant 429s, and the quiet tenant none", during.floodStatuses.get(429) && noisy_neighbour_503s === 0 ? null : `flood answers ${JSON.stringify(Object.fromEntries(during.floodStatuses))}; quiet tenant refusals ${noisy_neighbour_503s}`);
    crossTenant += noisy_neighbour_503s;

    // Abuses during which /healthz and memory are watched.
    const bomb = gzipSync(Buffer.from(`[${" ".repeat(16 * 1024 * 1024 - 2)}]`));
    health.start("gzip bombs");
    // 3. Gzip bombs before authentication.
    const bombAnswers = await Promise.all(
      Array.from({ length: options.gzipBombs }, (_, i) =>
        i % 3 === 0
          ? post(stack, "/ingest/segment/no-such-installation", bomb, { "content-encoding": "gzip", "x-signature": "0".repeat(40) })
          : i % 3 === 1
            ? post(stack, `/ingest/segment/${victim.uid}`, bomb, { "content-encoding": "gzip", authorization: "Bearer wrong" })
            : post(stack, "/v1/batch", bomb, { "content-encoding": "gzip", authorization: basicAuth("wk_wrong_0123456789abcdef0123456789") }),
      ),
    );
    const bombStatuses = bombAnswers.map((answer) => answer.status);
    await Promise.all(bombAnswers.map((answer) => answer.body?.cancel()));
    check(3, "gzip bodies are refused before they are inflated", bombStatuses.every((s) => s === 401 || s === 415) ? null : `answers ${bombStatuses.join(",")}`);

    await health.phase("streams");
    // 4. Live streams: the per-installation cap, and a stream ends with its installation.
    const streamStatuses: number[] = [];
    const streams: Response[] = [];
    for (let i = 0; i < 20; i++) {
      const token = await streamToken(noisy);
      const response = await fetch(`${stack.url}/api/log/stream?token=${token}`);
      streamStatuses.push(response.status);
      if (response.status === 200) streams.push(response);
      else await response.body?.cancel();
    }
    const quietStream = await fetch(`${stack.url}/api/log/stream?token=${await streamToken(quiet)}`);
    check(4, "live streams are capped per installation; another installation still opens one", streamStatuses.filter((s) => s === 200).length === 5 && streamStatuses.filter((s) => s === 429).length === 15 && quietStream.status === 200 ? null : `answers ${streamStatuses.join(",")}, other installation ${quietStream.status}`);
    if (quietStream.status !== 200) crossTenant += 1;
    await quietStream.body?.cancel();
    for (const stream of streams) await stream.body?.cancel();

    await health.phase("slow clients");
    // 7. Slow clients: sockets that never finish their headers are closed by the server.
    const slow = await slowClients(stack, options.slowClients);
    check(7, "slow clients are disconnected by the header timeout", (await slow.allClosed(15_000)) ? null : `${slow.open()} of ${options.slowClients} slow sockets still open`);

    await health.phase("/api query loop");
    // 6. /api query loops: per-session and per-installation limits, another installation unaffected.
    const apiStatuses = new Map<number, number>();
    const noisySession = await noisy.session();
    await inParallel(400, 8, async () => {
      const answer = await fetch(`${stack.url}/api/log/summary`, { headers: { authorization: `Bearer ${noisySession}` } });
      apiStatuses.set(answer.status, (apiStatuses.get(answer.status) ?? 0) + 1);
      await answer.body?.cancel();
    });
    const quietApi = await quiet.api("/api/log/summary");
    check(6, "a looping admin is rate-limited (429) and another installation is not", apiStatuses.get(429) && quietApi.status === 200 ? null : `answers ${JSON.stringify(Object.fromEntries(apiStatuses))}, other installation ${quietApi.status}`);
    if (quietApi.status !== 200) crossTenant += 1;
    await quietApi.body?.cancel();
    const abuse = await health.stop();

    // 11. Percent-encoded paths do not skip the session.
    const encoded = await fetch(`${stack.url}/%61pi/installation`);
    check(11, "a percent-encoded /api path does not reach a handler without a session", encoded.status === 401 || encoded.status === 404 ? null : `answered ${encoded.status}`);
    await encoded.body?.cancel();

    // 12. Sessions after uninstall, and resurrection with a pre-uninstall app-token.
    const doomed = await stack.install();
    const doomedSession = await doomed.session();
    const preUninstallToken = await doomed.appToken();
    await (await doomed.lifecycle("uninstall")).body?.cancel();
    const afterUninstall = await fetch(`${stack.url}/api/installation`, { headers: { authorization: `Bearer ${doomedSession}` } });
    const resurrect = await fetch(`${stack.url}/api/session`, { method: "POST", headers: { authorization: `Bearer ${preUninstallToken}` } });
    check(12, "a session ends at uninstall and a pre-uninstall app-token cannot re-create the installation", afterUninstall.status === 401 && resurrect.status === 401 ? null : `session ${afterUninstall.status}, resurrection ${resurrect.status}`);
    const oldToken = await quiet.appToken({ iat: Math.floor(Date.now() / 1000) - 600, expiresInSeconds: 3600 });
    const oldAnswer = await fetch(`${stack.url}/api/session`, { method: "POST", headers: { authorization: `Bearer ${oldToken}` } });
    check(12, "an app-token older than 5 minutes cannot open a session", oldAnswer.status === 401 ? null : `answered ${oldAnswer.status}`);

    // 13. One-character secrets.
    const weak = await quiet.lifecycle("update", { serverConfiguration: { trackingWriteKey: "k", webhookSharedSecret: quiet.sharedSecret } });
    check(13, "a one-character write key is refused", weak.status === 400 ? null : `answered ${weak.status}`);

    // 10. A lifecycle webhook replayed after a restart cannot revert a rotated secret.
    const rotated = `${victim.sharedSecret.slice(0, 40)}${"f".repeat(8)}`;
    let firstBody = "";
    await (await victim.lifecycle("update", { serverConfiguration: { trackingWriteKey: victim.writeKey, webhookSharedSecret: victim.sharedSecret } }, { tamper: (sent) => (firstBody = sent) })).body?.cancel();
    await (await victim.lifecycle("update", { serverConfiguration: { trackingWriteKey: victim.writeKey, webhookSharedSecret: rotated } })).body?.cancel();
    await stack.restart();
    const replay = await fetch(`${stack.url}/webhooks/contentstack`, {
      method: "POST",
      headers: { ...JSON_HEADERS, "x-contentstack-request-signature": signatureHeaderValue(firstBody, stack.contentstack.signingKey, "pss") },
      body: firstBody,
    });
    const secretNow = await currentSecret(stack, victim.uid);
    const lifecycle_replays_accepted_after_restart = replay.status < 300 || secretNow !== rotated ? 1 : 0;
    check(10, "a lifecycle webhook replayed after a restart is refused with 409", replay.status === 409 && secretNow === rotated ? null : `answered ${replay.status}; secret ${secretNow === rotated ? "kept" : "reverted"}`);

    crossTenant += write_key_takeovers + forged_batch_elements_accepted + rows_written_by_unauthenticated_requests + lifecycle_replays_accepted_after_restart;
    return {
      tenants: 4,
      cross_tenant_effects: crossTenant,
      noisy_neighbour_503s,
      noisy_neighbour_ack_p99_ratio,
      noisy_neighbour_ack_p99_ms: { before: round(percentile(before.acksMs, 0.99)), during: round(percentile(during.acksMs, 0.99)) },
      healthz_p99_ms_under_abuse: round(abuse.healthzP99Ms),
      healthz_p99_ms_by_abuse: abuse.byPhase,
      rss_peak_mb_under_abuse: round(abuse.rssPeakMb),
      rows_written_by_unauthenticated_requests,
      rejected_rows_per_10k_invalid_events,
      forged_batch_elements_accepted,
      write_key_takeovers,
      lifecycle_replays_accepted_after_restart,
      checks,
      crashes: stack.crashes(),
    };
  } finally {
    await health.stop();
    await stack.close();
  }
}

function post(stack: ProcessStack, path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${stack.url}${path}`, { method: "POST", headers: { ...JSON_HEADERS, ...headers }, body: typeof body === "string" ? body : new Uint8Array(body) });
}

async function withStore<T>(stack: ProcessStack, read: (store: Awaited<ReturnType<ProcessStack["openStore"]>>) => Promise<T>): Promise<T> {
  const store = await stack.openStore();
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

const logRows = (stack: ProcessStack, uid: string) => withStore(stack, async (store) => (await store.logExtent(uid)).rows + (await store.stagedEvents(uid)));
const refusalCount = (stack: ProcessStack, uid: string) => withStore(stack, (store) => store.unauthenticatedRefusals(uid));
const rejectedRows = (stack: ProcessStack, uid: string) =>
  withStore(stack, async (store) => (await store.queryLog({ installationUid: uid, statuses: ["rejected"], limit: 100_000 })).length);
const currentSecret = (stack: ProcessStack, uid: string) => withStore(stack, async (store) => (await store.getInstallation(uid))?.serverConfiguration.webhookSharedSecret);

async function rowsWithMessageIds(stack: ProcessStack, uid: string, messageIds: string[]): Promise<number> {
  return withStore(stack, async (store) => {
    let found = 0;
    for (const messageId of messageIds) found += (await store.queryLog({ installationUid: uid, messageId, limit: 5 })).length;
    return found;
  });
}

async function ownerOfWriteKey(stack: ProcessStack, owner: TestInstallation, other: TestInstallation): Promise<string | null> {
  const messageId = `owner-${Date.now()}`;
  const answer = await post(stack, "/v1/track", JSON.stringify({ userId: "owner", event: "Mine", messageId }), { authorization: basicAuth(owner.writeKey) });
  await answer.body?.cancel();
  await waitFor(async () => (await withStore(stack, (store) => store.stagedEvents(owner.uid))) + (await withStore(stack, (store) => store.stagedEvents(other.uid))) === 0, 10_000);
  if (await rowsWithMessageIds(stack, other.uid, [messageId])) return other.uid;
  return (await rowsWithMessageIds(stack, owner.uid, [messageId])) ? owner.uid : null;
}

async function streamToken(installation: TestInstallation): Promise<string> {
  const answer = await installation.api("/api/stream-token", { method: "POST" });
  return ((await answer.json()) as { token: string }).token;
}

/** The quiet tenant sends one small signed webhook request at a time for `seconds` (from a worker thread), while `alongside` runs. */
async function quietTraffic(stack: ProcessStack, quiet: TestInstallation, seconds: number, alongside: (() => { stop(): Promise<Map<number, number>> }) | null) {
  const requests: ProbeRequest[] = Array.from({ length: Math.ceil(seconds * 60) }, (_, i) => {
    const body = JSON.stringify([event(`quiet-${i % 20}`, `quiet-${Date.now()}-${i}`)]);
    return { path: `/ingest/segment/${quiet.uid}`, method: "POST", headers: { ...JSON_HEADERS, "x-signature": webhookSignature(quiet.sharedSecret, Buffer.from(body)) }, body };
  });
  const other = alongside?.();
  const probe = startProbe(stack.url, requests, 20);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const { latenciesMs, statuses } = await probe.stop();
  const floodStatuses = (await other?.stop()) ?? new Map<number, number>();
  return { acksMs: latenciesMs, statuses: statuses.filter((status) => status !== 200), floodStatuses };
}

/** Another tenant sending as fast as it can at `eventsPerSecond` (well over its quota). */
function flood(stack: ProcessStack, noisy: TestInstallation, eventsPerSecond: number) {
  const statuses = new Map<number, number>();
  let running = true;
  const perRequest = 100;
  const worker = async () => {
    let n = 0;
    while (running) {
      const started = performance.now();
      const batch = Array.from({ length: perRequest }, (_, i) => event(`noisy-${i % 50}`, `noisy-${Date.now()}-${n}-${i}`));
      const answer = await post(stack, "/v1/batch", JSON.stringify({ batch }), { authorization: basicAuth(noisy.writeKey) });
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      await answer.body?.cancel();
      n += 1;
      const interval = (4 * perRequest * 1000) / eventsPerSecond;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, interval - (performance.now() - started))));
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return statuses;
    },
  };
}

/** Keeps the invalid-event batches under the quota, so that the rows measured are rejections, not 429s. */
function waitForTokens(options: ManyTenantOptions): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, (500 * 1000) / options.quotaEventsPerSecond));
}

function slowClients(stack: ProcessStack, count: number) {
  const { hostname, port } = new URL(stack.url);
  const sockets: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), hostname, () => socket.write("POST /v1/batch HTTP/1.1\r\nHost: x\r\n"));
    socket.on("error", () => {});
    socket.on("close", () => (closed += 1));
    sockets.push(socket);
  }
  const drip = setInterval(() => {
    for (const socket of sockets) if (!socket.destroyed) socket.write("X-Slow: 1\r\n");
  }, 500);
  return {
    open: () => count - closed,
    async allClosed(timeoutMs: number) {
      const ok = await waitFor(async () => closed === count, timeoutMs);
      clearInterval(drip);
      for (const socket of sockets) socket.destroy();
      return ok;
    },
  };
}

/** /healthz every 50 ms (from a worker thread), per named phase, and the server's RSS, between start() and stop(). */
function healthSampler(stack: ProcessStack) {
  let probe: ReturnType<typeof startProbe> | null = null;
  let current = "";
  const latencies: number[] = [];
  const byPhase: Record<string, number> = {};
  let rssPeakMb = 0;
  let memoryTimer: NodeJS.Timeout | null = null;
  const endPhase = async () => {
    const measured = await probe?.stop();
    probe = null;
    if (!measured) return;
    latencies.push(...measured.latenciesMs);
    byPhase[current] = round(percentile(measured.latenciesMs, 0.99));
  };
  return {
    start(phase: string) {
      current = phase;
      probe = startProbe(stack.url, [{ path: "/healthz", method: "GET", headers: {} }], 50);
      memoryTimer ??= setInterval(() => (rssPeakMb = Math.max(rssPeakMb, stack.server.memory().rssMb)), 50);
    },
    async phase(phase: string) {
      await endPhase();
      this.start(phase);
    },
    async stop() {
      if (memoryTimer) clearInterval(memoryTimer);
      memoryTimer = null;
      await endPhase();
      return { healthzP99Ms: percentile(latencies, 0.99), rssPeakMb, byPhase };
    },
  };
}

async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
