/**
 * A local stand-in for Segment's HTTP Tracking API (segment.md §4) for dev, tests and benchmarks: checks the
 * write key (HTTP Basic username or `writeKey` in the body), applies Segment's size limits, answers
 * `200 {"success":true}`, records every accepted batch, and injects faults on demand. A control API under
 * `/__emulator/` lets other processes drive it.
 *
 * The same server also answers Segment's Public API (../segment-public-api/): the workspace's sources accept
 * their write keys here, and each accepted batch is delivered to the source's Webhooks (Actions) destinations.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { createSegmentPublicApi, type SegmentPublicApi, type Workspace } from "../segment-public-api/index.ts";

export interface RecordedBatch {
  receivedAt: number;
  path: string;
  writeKey: string;
  headers: Record<string, string>;
  events: Array<Record<string, unknown>>;
}

export type SegmentFault =
  | { kind: "status"; status: number; times?: number }
  | { kind: "rate-limit"; retryAfterSeconds?: number; times?: number }
  | { kind: "reset"; times?: number };

export interface SegmentEmulator {
  url: string;
  publicApi: SegmentPublicApi;
  batches(): RecordedBatch[];
  events(): Array<Record<string, unknown>>;
  allowWriteKey(writeKey: string): void;
  addFault(fault: SegmentFault): void;
  clearFaults(): void;
  reset(): void;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 500 * 1024;
const ROUTES = new Set(["batch", "import", "identify", "track", "page", "screen", "group", "alias"]);

export async function startSegmentEmulator(
  options: { port?: number; host?: string; writeKeys?: string[]; workspace?: Workspace } = {},
): Promise<SegmentEmulator> {
  const writeKeys = new Set(options.writeKeys ?? []);
  const publicApi = createSegmentPublicApi(options.workspace ?? { tokens: [], sources: [] });
  const initialKeys = new Set(writeKeys);
  let recorded: RecordedBatch[] = [];
  let faults: Array<SegmentFault & { left: number }> = [];
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  };

  const takeFault = () => {
    const fault = faults[0];
    if (!fault) return null;
    fault.left -= 1;
    if (fault.left <= 0) faults.shift();
    return fault;
  };

  const control = (req: IncomingMessage, res: ServerResponse, path: string, body: string) => {
    const resource = path.slice("/__emulator/".length);
    if (publicApi.control(req, res, resource, body)) return;
    if (req.method === "GET" && resource === "batches") return send(res, 200, recorded);
    if (req.method === "POST" && resource === "reset") {
      api.reset();
      return send(res, 200, { ok: true });
    }
    if (req.method === "POST" && resource === "faults") {
      api.addFault(JSON.parse(body) as SegmentFault);
      return send(res, 201, { ok: true });
    }
    if (req.method === "DELETE" && resource === "faults") {
      api.clearFaults();
      return send(res, 200, { ok: true });
    }
    if (req.method === "POST" && resource === "write-keys") {
      api.allowWriteKey(String((JSON.parse(body) as { writeKey?: unknown }).writeKey ?? ""));
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { error: "not_found", message: `no control route ${req.method} ${path}` });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path.startsWith("/__emulator/")) return control(req, res, path, raw.toString("utf8"));
    if (publicApi.handle(req, res, new URL(req.url ?? "/", "http://emulator"), raw.toString("utf8"))) return;
    const route = /^\/v1\/([a-z]+)$/.exec(path)?.[1];
    if (req.method !== "POST" || !route || !ROUTES.has(route)) return send(res, 404, { success: false, message: "not found" });
    const fault = takeFault();
    if (fault?.kind === "reset") return req.socket.destroy();
    if (fault?.kind === "status") return send(res, fault.status, { success: false, message: `injected ${fault.status}` });
    if (fault?.kind === "rate-limit") {
      return send(res, 429, { success: false, message: "rate limited" }, fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) });
    }
    let text: string;
    try {
      text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
    } catch {
      return send(res, 400, { success: false, message: "invalid gzip" });
    }
    if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) return send(res, 400, { success: false, message: "request exceeds 500 KB" });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return send(res, 400, { success: false, message: "invalid JSON" });
    }
    const basic = /^Basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
    const writeKey = basic ? Buffer.from(basic, "base64").toString("utf8").split(":")[0] : String(body.writeKey ?? "");
    if (!writeKeys.has(writeKey) && !publicApi.writeKeys().includes(writeKey)) return send(res, 401, { success: false, message: "invalid write key" });
    const events = route === "batch" || route === "import" ? (body.batch as Array<Record<string, unknown>>) ?? [] : [{ ...body, type: route }];
    recorded.push({
      receivedAt: Date.now(),
      path,
      writeKey,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      events,
    });
    send(res, 200, { success: true });
    void publicApi.deliver(writeKey, events);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks)));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  const api: SegmentEmulator = {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    publicApi,
    batches: () => recorded,
    events: () => recorded.flatMap((b) => b.events),
    allowWriteKey: (writeKey) => void writeKeys.add(writeKey),
    addFault: (fault) => void faults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY }),
    clearFaults: () => void (faults = []),
    reset() {
      recorded = [];
      faults = [];
      publicApi.reset();
      writeKeys.clear();
      for (const key of initialKeys) writeKeys.add(key);
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return api;
}
