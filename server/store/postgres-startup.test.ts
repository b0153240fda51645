/** A process that cannot reach PostgreSQL when it starts keeps trying with backoff; a wrong database fails at once. */
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { describePostgres, usePostgresDatabase } from "../testing/postgres-suite.ts";
import { openStore } from "./open-store.ts";
import type { Store } from "./types.ts";

const secrets = createSecretBox(parseSecretKeys(generateSecretKeySpec()));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describePostgres("opening PostgreSQL at start", () => {
  const database = usePostgresDatabase();

  it("retries with backoff while the server cannot be reached, and opens once it can", async () => {
    const target = new URL(database.url);
    let forwarding = false;
    const sockets = new Set<Socket>();
    // Resets every connection (the database is "down") until `forwarding`, then forwards to the real server.
    const gate = createServer((client) => {
      sockets.add(client);
      client.on("error", () => {}).on("close", () => sockets.delete(client));
      if (!forwarding) return void client.resetAndDestroy();
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(upstream);
      upstream.on("error", () => client.destroy()).on("close", () => sockets.delete(upstream));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => (sockets.forEach((socket) => socket.destroy()), gate.close(resolve))));
    const viaGate = new URL(database.url);
    viaGate.port = String((gate.address() as AddressInfo).port);

    const delays: number[] = [];
    const opening = openStore(viaGate.toString(), secrets, {
      onRetry: (reason, delayMs) => {
        expect(reason).toMatch(/is not reachable yet/);
        expect(reason).not.toContain("postgres@");
        delays.push(delayMs);
        if (delays.length === 3) forwarding = true;
      },
    });
    const store: Store = await opening;
    cleanups.push(() => store.close());
    expect(delays).toEqual([250, 500, 1000]);
    expect(await store.health()).toMatchObject({ ok: true, kind: "postgres" });
  });

  it("fails at once when the database does not exist", async () => {
    const missing = new URL(database.url);
    missing.pathname = "/no_such_database_here";
    await expect(openStore(missing.toString(), secrets, { onRetry: () => expect.fail("must not retry") })).rejects.toThrow(
      /DATABASE_URL ".*no_such_database_here" cannot be opened/,
    );
  });
});
