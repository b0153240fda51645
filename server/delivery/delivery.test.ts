import { Analytics } from "@segment/analytics-node";
import { afterEach, describe, expect, it } from "vitest";
import type { PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { TEST_PROJECT_UID, drained, eventually, startTestStack, type TestStack } from "../testing/harness.ts";
import { startProcessStack, type ProcessStack } from "../testing/process-stack.ts";

const seqMapping = {
  attributeMappings: [{ id: "seq", source: "traits.seq", attribute: "seq", type: "number" as const }],
};

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function patchesFor(personalize: PersonalizeEmulator, userUid: string): number[] {
  return personalize
    .requests({ path: "/user-attributes" })
    .filter((r) => r.headers["x-cs-personalize-user-uid"] === userUid && r.response?.status === 200)
    .map((r) => Number(JSON.parse(r.body).seq));
}

describe("delivery under faults", () => {
  it("delivers every accepted event once the faults stop, in per-user order, honouring Retry-After", async () => {
    // A request that times out in the client may still reach the emulator (in this same busy process) after the
    // user's later requests; a timeout well above the machine's stalls keeps that to the held requests, which the
    // emulator never applies.
    const stack: TestStack = await startTestStack({ env: { DELIVERY_TIMEOUT_MS: "2000", DELIVERY_RETRY_BASE_MS: "40" } });
    cleanups.push(() => stack.close());
    const installation = await stack.install({ configuration: seqMapping });
    const faults = [
      { kind: "status" as const, status: 500, probability: 0.08, seed: 1 },
      { kind: "status" as const, status: 503, probability: 0.08, seed: 2 },
      { kind: "rate-limit" as const, retryAfterSeconds: 1, probability: 0.07, seed: 3 },
      { kind: "hold" as const, ms: 2500, probability: 0.07, seed: 4 },
    ];
    for (const fault of faults) stack.personalize.addFault({ route: "PATCH /user-attributes", ...fault });

    const analytics = new Analytics({ writeKey: installation.writeKey, host: stack.url, flushAt: 20, maxRetries: 3 });
    const users = Array.from({ length: 20 }, (_, i) => `fault-user-${i}`);
    for (let seq = 1; seq <= 15; seq++) {
      for (const userId of users) {
        analytics.identify({ userId, traits: { seq }, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)) });
      }
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    await analytics.closeAndFlush();
    // Faults stay on until a rate limit has been met, so that Retry-After is exercised below.
    await eventually(() => stack.personalize.requests({ path: "/user-attributes" }).some((r) => r.response?.status === 429), 30_000);
    const faulted = stack.personalize.requests({ path: "/user-attributes" }).filter((r) => r.response && r.response.status !== 200);
    expect(faulted.length).toBeGreaterThan(0);
    stack.personalize.clearFaults();

    await eventually(() => drained(stack.server.store, installation.uid), 30_000, 100);
    const failed = await stack.server.store.queryLog({ installationUid: installation.uid, statuses: ["failed", "dead_lettered"], limit: 5 });
    expect(failed).toEqual([]);
    for (const userId of users) {
      expect(stack.personalize.userAttributes(TEST_PROJECT_UID, userId)).toEqual({ seq: 15 });
      const delivered = patchesFor(stack.personalize, userId);
      expect([...delivered].sort((a, b) => a - b)).toEqual(delivered);
    }

    const outbound = await stack.server.store.queryLog({ installationUid: installation.uid, directions: ["personalize"], limit: 1000 });
    const spacings: number[] = [];
    for (const row of outbound) {
      const attempts = await stack.server.store.getAttempts(installation.uid, row.id);
      attempts.forEach((attempt, i) => {
        const next = attempts[i + 1];
        if (attempt.httpStatus === 429 && next) spacings.push(next.startedAt - (attempt.startedAt + attempt.latencyMs));
      });
    }
    expect(spacings.length).toBeGreaterThan(0);
    expect(Math.min(...spacings)).toBeGreaterThanOrEqual(990);
  }, 60_000);
});

describe("requests that cannot be sent", () => {
  it("fails a request whose user id no HTTP header can carry at once, instead of retrying it for 4 hours", async () => {
    const stack: TestStack = await startTestStack();
    cleanups.push(() => stack.close());
    const installation = await stack.install({ configuration: seqMapping });
    const response = await fetch(`${stack.url}/v1/identify`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${installation.writeKey}:`).toString("base64")}` },
      body: JSON.stringify({ userId: "用户-42", messageId: "unsendable-1", traits: { seq: 1 } }),
    });
    expect(response.status).toBe(200);
    const [row] = await eventually(async () => {
      const rows = await stack.server.store.queryLog({ installationUid: installation.uid, directions: ["personalize"], statuses: ["failed"], limit: 1 });
      return rows.length ? rows : null;
    });
    expect(row.attempt).toBe(1);
    expect(row.error).toMatch(/cannot be sent: .*user id has characters an HTTP header cannot carry/);
    expect(stack.personalize.requests({ path: "/user-attributes" })).toEqual([]);
  });
});

describe("crash safety", () => {
  it("loses nothing accepted when the server is killed with SIGKILL mid-stream", async () => {
    const stack: ProcessStack = await startProcessStack();
    cleanups.push(() => stack.close());
    const installation = await stack.install({ configuration: seqMapping });

    const analytics = new Analytics({ writeKey: installation.writeKey, host: stack.url, flushAt: 25, maxRetries: 10 });
    const acked = new Map<string, number>();
    const users = Array.from({ length: 30 }, (_, i) => `crash-user-${i}`);
    const sends: Promise<void>[] = [];
    let killed = false;
    for (let seq = 1; seq <= 60; seq++) {
      for (const userId of users) {
        const messageId = `crash-${userId}-${seq}`;
        sends.push(
          new Promise((resolve) =>
            analytics.identify(
              { userId, messageId, traits: { seq }, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)) },
              (error) => {
                if (!error) acked.set(messageId, seq);
                resolve();
              },
            ),
          ),
        );
      }
      if (seq === 30) {
        await stack.restart({ signal: "SIGKILL" });
        killed = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    await Promise.all(sends);
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThan(1000);

    await stack.restart({ signal: "SIGTERM" });
    const store = await stack.openStore();
    cleanups.push(() => store.close());
    await eventually(() => drained(store, installation.uid), 30_000, 100);

    const inbound = await store.queryLog({ installationUid: installation.uid, directions: ["inbound"], limit: 100_000 });
    const stored = new Set(inbound.filter((r) => r.status !== "deduplicated").map((r) => r.messageId));
    const missing = [...acked.keys()].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    for (const userId of users) {
      const lastAcked = Math.max(...[...acked].filter(([id]) => id.startsWith(`crash-${userId}-`)).map(([, seq]) => seq));
      expect(Number(stack.personalize.userAttributes(TEST_PROJECT_UID, userId)?.seq)).toBeGreaterThanOrEqual(lastAcked);
    }
  }, 120_000);
});
