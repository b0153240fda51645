/**
 * (c) The bare relay, run as its own process by relay-bench.ts: accepts POST /v1/batch, parses it, answers
 * `200 {"success":true}` at once with nothing stored, then forwards every event as Segment's Contentstack Cloud
 * destination's request would look (one `PATCH /user-attributes` of its traits or properties), in the background.
 * The upper bound for accepting events: no authentication, validation, storage or retry.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const FORWARD_CONNECTIONS = 64;

const edgeUrl = process.env.RELAY_EDGE_URL!;
const projectUid = process.env.RELAY_PROJECT_UID!;
const edge = new Pool(edgeUrl, { connections: FORWARD_CONNECTIONS });

interface RelayedEvent {
  type?: string;
  userId?: string;
  traits?: unknown;
  properties?: unknown;
}

function forward(event: RelayedEvent): void {
  const attributes = (event.type === "track" ? event.properties : event.traits) ?? {};
  edge
    .request({
      path: "/user-attributes",
      method: "PATCH",
      headers: { "content-type": "application/json", "x-project-uid": projectUid, "x-cs-eclipse-user-uid": String(event.userId) },
      body: JSON.stringify(attributes),
    })
    .then((response) => response.body.dump())
    .catch((error: unknown) => console.error(`relay: forwarding failed: ${String(error)}`));
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let events: RelayedEvent[];
    try {
      events = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { batch: RelayedEvent[] }).batch;
    } catch {
      response.writeHead(400, { "content-type": "application/json" }).end('{"success":false}');
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end('{"success":true}');
    for (const event of events) forward(event);
  });
});

server.listen(0, "127.0.0.1", () => {
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on("SIGTERM", () => {
  server.close();
  void edge.close().then(() => process.exit(0));
});
