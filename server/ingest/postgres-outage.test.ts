/**
 * PostgreSQL going away and coming back, simulated with a TCP proxy in front of the test server (the machine's
 * PostgreSQL keeps running): ingest answers 503 with Retry-After, health says why, and everything recovers
 * without a restart, analytics-node's retries included.
 */
import { Analytics } from "@segment/analytics-node";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { OVERLOAD_RETRY_AFTER_SECONDS } from "./ingestor.ts";
import { eventually, startTestStack, TEST_PROJECT_UID } from "../testing/harness.ts";
import { TEST_POSTGRES_URL } from "../testing/postgres.ts";
import { describePostgres } from "../testing/postgres-suite.ts";

/** Forwards a local port to `target`; `down()` refuses new connections and cuts the open ones. */
async function startTcpProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        const cut = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("error", cut).on("close", cut);
        }
        client.pipe(upstream).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  await up();
  return {
    port,
    up,
    down: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server!.close(() => resolve());
        server = null;
      }),
    isUp: () => server !== null,
  };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describePostgres("ingest while PostgreSQL is down", () => {
  it("answers 503 with Retry-After, reports the database unhealthy, and recovers without a restart", async () => {
    const proxy = await startTcpProxy(new URL(TEST_POSTGRES_URL));
    const viaProxy = new URL(TEST_POSTGRES_URL);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    const stack = await startTestStack({ databaseUrl: viaProxy.toString() });
    cleanups.push(async () => {
      if (!proxy.isUp()) await proxy.up();
      await stack.close();
    });
    const installation = await stack.install({
      configuration: { attributeMappings: [{ id: "seq", source: "traits.seq", attribute: "seq", type: "number" }] },
    });
    const changed: number[] = [];
    stack.server.store.onChange((notice) => changed.push(...notice.ids));
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);

    await proxy.down();
    const batch = (userId: string) =>
      fetch(`${stack.url}/v1/batch`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${installation.writeKey}:`).toString("base64")}` },
        body: JSON.stringify({ batch: [{ type: "identify", userId, traits: { seq: 1 } }] }),
      });
    // Nothing has looked this write key up yet, so its lookup meets the outage as well.
    const refused = await batch("direct-user");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe(String(OVERLOAD_RETRY_AFTER_SECONDS));
    const health = await fetch(`${stack.url}/healthz`);
    expect(health.status).toBe(503);
    expect((await health.json()).storage).toMatchObject({ ok: false, kind: "postgres" });

    const answers: number[] = [];
    const analytics = new Analytics({
      writeKey: installation.writeKey,
      host: stack.url,
      flushAt: 1,
      maxRetries: 30,
      httpClient: async (url, init) => {
        const response = await fetch(url, init);
        answers.push(response.status);
        return response;
      },
    });
    const acked = new Promise<unknown>((resolve) =>
      analytics.identify({ userId: "retried-user", traits: { seq: 7 } }, (error) => resolve(error ?? "acked")),
    );
    // analytics-node has been refused during the outage before the database comes back.
    await eventually(() => answers.includes(503), 20_000, 10);
    await proxy.up();

    expect(await acked).toBe("acked");
    await analytics.closeAndFlush();
    expect((await batch("direct-user")).status).toBe(200);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    await eventually(() => stack.personalize.userAttributes(TEST_PROJECT_UID, "retried-user")?.seq === 7, 15_000, 50);
    await eventually(() => stack.personalize.userAttributes(TEST_PROJECT_UID, "direct-user")?.seq === 1, 15_000, 50);
    const [row] = await stack.server.store.queryLog({ installationUid: installation.uid, userId: "direct-user", directions: ["inbound"], limit: 1 });
    await eventually(() => changed.includes(row.id), 10_000, 50);
  }, 60_000);
});
