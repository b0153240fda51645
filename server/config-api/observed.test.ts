import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inLog, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { apiCaller } from "./test-support.ts";

let stack: TestStack;
let installation: TestInstallation;
let other: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack();
  [installation, other] = await Promise.all([stack.install(), stack.install()]);
});
afterAll(() => stack.close());

async function sendBatch(target: TestInstallation, batch: unknown[]) {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${target.writeKey}:`).toString("base64")}` },
    body: JSON.stringify({ batch }),
  });
  expect(response.status).toBe(200);
  await inLog(stack.server.store, target.uid);
}

describe("GET /api/observed", () => {
  it("counts the trait paths and event names of this installation's recent events, most frequent first", async () => {
    const before = Date.now();
    await sendBatch(installation, [
      { type: "identify", userId: "u1", traits: { plan: "pro", address: { city: "Oslo", zip: "0150" }, "has space": 1 } },
      { type: "identify", userId: "u2", traits: { plan: "free" }, context: { traits: { email: "a@example.com" } } },
      { type: "track", userId: "u1", event: "Order Completed", properties: { revenue: 10 }, context: { traits: { email: "a@example.com" } } },
      { type: "track", userId: "u2", event: "Order Completed", properties: { revenue: 12, currency: "EUR" } },
      { type: "page", userId: "u1", name: "Pricing", properties: { path: "/pricing" } },
      { type: "screen", userId: "u1", name: "Home" },
      { type: "page", userId: "u1" },
    ]);
    await sendBatch(other, [{ type: "identify", userId: "x", traits: { other_installation_only: true } }, { type: "track", userId: "x", event: "Elsewhere" }]);

    const answer = await apiCaller(installation).get("/api/observed");
    expect(answer.status).toBe(200);
    const { traits, events } = answer.body as {
      traits: Array<{ path: string; count: number; lastSeen: string }>;
      events: Array<{ source: string; name: string; count: number; lastSeen: string }>;
    };
    expect(traits.map(({ path, count }) => [path, count])).toEqual([
      ["context.traits.email", 2],
      ["properties.revenue", 2],
      ["traits.plan", 2],
      ["properties.currency", 1],
      ["properties.path", 1],
      ["traits.address", 1],
      ["traits.address.city", 1],
      ["traits.address.zip", 1],
    ]);
    expect(events.map(({ source, name, count }) => [source, name, count])).toEqual([
      ["track", "Order Completed", 2],
      ["screen", "Home", 1],
      ["page", "Pricing", 1],
    ]);
    for (const entry of [...traits, ...events]) {
      expect(entry.lastSeen).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(entry.lastSeen)).toBeGreaterThanOrEqual(before - 1000);
    }
  });

  it("does not count a redelivered event twice", async () => {
    const own = await stack.install();
    const event = { type: "track", userId: "u3", event: "Redelivered", messageId: "msg-redelivered-1" };
    await sendBatch(own, [event]);
    await sendBatch(own, [event]);
    const { body } = await apiCaller(own).get("/api/observed");
    expect(body.events).toContainEqual(expect.objectContaining({ source: "track", name: "Redelivered", count: 1 }));
  });
});
