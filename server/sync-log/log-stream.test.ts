import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { connectEventStream } from "./sse-client.ts";
import { getJson, MAPPED_CONFIGURATION, openLogStream, rowsOf, sendEvents } from "./test-support.ts";

let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack();
  installation = await stack.install({ configuration: MAPPED_CONFIGURATION });
});
afterAll(() => stack.close());

const rowEvents = (received: Array<{ event: string; data: string }>) => received.filter((e) => e.event === "rows").map((e) => rowsOf(e.data));

describe("GET /api/log/stream", () => {
  it("pushes a new event, then its delivery", async () => {
    const stream = await openLogStream(stack, installation);
    await sendEvents(stack, installation, [{ type: "identify", userId: "s-1", messageId: "s-1-m", traits: { plan: "pro" } }]);
    const isEvent = (i: { messageId: string | null; direction: string }) => i.messageId === "s-1-m" && i.direction === "inbound";
    const arrival = await stream.waitFor((e) => e.event === "rows" && rowsOf(e.data).items.some(isEvent));
    const event = rowsOf(arrival.data).items.find(isEvent)!;
    expect(event).toMatchObject({ userId: "s-1", eventType: "identify" });
    expect(["queued", "processing", "delivered"]).toContain(event.status);
    expect(rowsOf(arrival.data).matching).toContain(event.id);

    await stream.waitFor((e) => e.event === "rows" && rowsOf(e.data).items.some((i) => i.id === event.id && i.status === "delivered"));
    const requests = rowEvents(stream.received).flatMap((r) => r.items).filter((i) => i.direction === "personalize");
    expect(requests.map((i) => i.userId)).toContain("s-1");
    expect(requests.some((i) => i.status === "delivered" && i.httpStatus === 200)).toBe(true);
    stream.close();
  });

  it("says which changed rows match the stream's filter", async () => {
    const stream = await openLogStream(stack, installation, "userId=s-match&direction=inbound");
    await sendEvents(stack, installation, [
      { type: "identify", userId: "s-other", messageId: "s-other-m", traits: { plan: "a" } },
      { type: "identify", userId: "s-match", messageId: "s-match-m", traits: { plan: "b" } },
    ]);
    await stream.waitFor((e) => e.event === "rows" && rowsOf(e.data).items.some((i) => i.userId === "s-match" && i.status === "delivered"));
    const events = rowEvents(stream.received);
    const items = new Map(events.flatMap((r) => r.items).map((i) => [i.id, i]));
    const matching = new Set(events.flatMap((r) => r.matching));
    expect([...matching].map((id) => items.get(id))).toEqual([...matching].map(() => expect.objectContaining({ userId: "s-match", direction: "inbound" })));
    expect([...items.values()].some((i) => i.userId === "s-other")).toBe(true);
    stream.close();
  });

  it("accepts only a stream token, and a stream token nowhere else", async () => {
    const { token: streamToken } = await getJson<{ token: string }>(installation, "/api/stream-token", { method: "POST" });
    const session = await installation.session();
    expect((await connectEventStream(`${stack.url}/api/log/stream`)).status).toBe(401);
    expect((await connectEventStream(`${stack.url}/api/log/stream?token=${session}`)).status).toBe(401);
    expect((await connectEventStream(`${stack.url}/api/log/stream?token=forged`)).status).toBe(401);
    expect((await fetch(`${stack.url}/api/log?token=${streamToken}`)).status).toBe(401);
    expect((await fetch(`${stack.url}/api/log`, { headers: { authorization: `Bearer ${streamToken}` } })).status).toBe(401);
  });

  it("validates the filter before streaming", async () => {
    const { token } = await getJson<{ token: string }>(installation, "/api/stream-token", { method: "POST" });
    const response = await fetch(`${stack.url}/api/log/stream?token=${token}&status=nope`);
    expect(response.status).toBe(400);
    expect((await response.json()).message).toMatch(/^status: /);
  });

  it("lets the server shut down while a stream is open, ending the stream", async () => {
    const own = await startTestStack();
    const ownInstallation = await own.install({ configuration: MAPPED_CONFIGURATION });
    const stream = await openLogStream(own, ownInstallation);
    let streamEnded = false;
    void stream.ended.then(() => (streamEnded = true));
    await own.close();
    await stream.ended;
    expect(streamEnded).toBe(true);
    expect(stream.received.some((e) => e.event === "ready")).toBe(true);
  });
});
