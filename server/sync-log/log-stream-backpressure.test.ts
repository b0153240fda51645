/**
 * A live-log reader that stops reading is dropped, not buffered for: over real HTTP, a client opens the stream on a
 * raw socket and stops reading after `ready` while its installation's events keep flowing. The server must end that
 * stream (its slot under the per-installation cap of one comes free) instead of queueing every change for it.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { connectEventStream, type EventStreamClient } from "./sse-client.ts";
import { MAPPED_CONFIGURATION, getJson, sendEvents } from "./test-support.ts";

const EVENTS_PER_BATCH = 1000;
/** Far more changed rows than the server may hold back for one reader; a server that buffers never frees the slot. */
const MAX_BATCHES = 80;

let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack({ env: { LIVE_STREAMS_PER_INSTALLATION: "1" } });
  installation = await stack.install({ configuration: MAPPED_CONFIGURATION });
});
afterAll(() => stack.close());

/** Opens the stream on a raw socket, reads up to the `ready` event, then stops reading (the socket stays paused). */
async function openStalledStream(url: string, token: string): Promise<{ socket: Socket; readToEnd(): Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(`GET /api/log/stream?token=${encodeURIComponent(token)} HTTP/1.1\r\nhost: ${hostname}\r\naccept: text/event-stream\r\n\r\n`);
  let head = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("event: ready")) return;
      socket.off("data", onData);
      socket.pause();
      resolve();
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
  expect(head).toMatch(/^HTTP\/1\.1 200/);
  return {
    socket,
    /** Resumes reading; settles at the server's end of the stream. */
    readToEnd: () =>
      new Promise<void>((resolve, reject) => {
        socket.once("end", () => resolve());
        socket.once("error", reject);
        socket.resume();
      }),
  };
}

function identifies(batch: number) {
  return Array.from({ length: EVENTS_PER_BATCH }, (_, index) => ({
    type: "identify",
    userId: `slow-${batch}-${index}`,
    messageId: `slow-${batch}-${index}-m`,
    traits: { plan: "pro" },
  }));
}

it("drops a live-log reader that stops reading while events flow, instead of buffering for it", async () => {
  const { token } = await getJson<{ token: string }>(installation, "/api/stream-token", { method: "POST" });
  const stalled = await openStalledStream(stack.url, token);
  // The one slot is taken while the stalled stream is open.
  const refused = await connectEventStream(`${stack.url}/api/log/stream?token=${encodeURIComponent(token)}`);
  expect(refused.status).toBe(429);

  let eventsSent = 0;
  let admitted: EventStreamClient | null = null;
  for (let batch = 0; batch < MAX_BATCHES && !admitted; batch++) {
    await sendEvents(stack, installation, identifies(batch));
    eventsSent += EVENTS_PER_BATCH;
    const probe = await connectEventStream(`${stack.url}/api/log/stream?token=${encodeURIComponent(token)}`);
    if (probe.status === 200) admitted = probe;
    else {
      expect(probe.status).toBe(429);
      probe.close();
    }
  }
  expect(admitted, `the stalled stream still held its slot after ${eventsSent} events`).not.toBeNull();
  admitted!.close();

  // Reading again, the stalled client gets what sat in the socket buffers when it was dropped, then the server's end.
  await stalled.readToEnd();
  stalled.socket.destroy();
});
