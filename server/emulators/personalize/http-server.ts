/**
 * The node:http server: reads each body, records the request, lets fault rules shape the answer, then dispatches to
 * the emulated route. Kept lean for benchmarks: no logging, no URL objects on the hot path, keep-alive on.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { CONTROL_PREFIX, handleControl } from "./control-routes.ts";
import { ECLIPSE_USER_UID_HEADER, USER_UID_HEADER } from "./edge-routes.ts";
import { ApiError, Exchange, personalizeError, type Route } from "./exchange.ts";
import { applyFault, type FaultTimers } from "./faults.ts";
import type { EmulatorState } from "./state.ts";

/** Idle keep-alive sockets stay open this long, so benchmark clients reuse connections. */
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

/** Timers of delayed and held requests, cleared on close so nothing outlives the server. */
class PendingTimers implements FaultTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function firstHeader(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === "" ? null : text;
}

export interface EmulatorServer {
  server: Server;
  close(): Promise<void>;
}

export function createEmulatorServer(state: EmulatorState, routes: ReadonlyMap<string, Route>, clock: () => number): EmulatorServer {
  const timers = new PendingTimers();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = clock();
    const url = req.url ?? "/";
    const queryStart = url.indexOf("?");
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const query = queryStart === -1 ? "" : url.slice(queryStart + 1);
    const method = req.method ?? "GET";
    const body = await readBody(req);

    if (path.startsWith(CONTROL_PREFIX)) return handleControl(state, method, path, query, body, res);

    const routeKey = `${method} ${path}`;
    const route = routes.get(routeKey);
    const log = state.log;
    const record = log.record({
      receivedAt,
      method,
      path,
      query,
      headers: req.headers,
      body,
      route: route ? routeKey : null,
      projectUid: firstHeader(req, "x-project-uid"),
      userUid: firstHeader(req, USER_UID_HEADER) ?? firstHeader(req, ECLIPSE_USER_UID_HEADER),
    });
    const exchange = new Exchange(req, res, record, log);
    if (!route) {
      exchange.sendError(personalizeError(404, "ROUTE", "NOT_FOUND", `No route for ${method} ${path}`));
      return;
    }
    try {
      const fault = state.faults.pick(routeKey, record.projectUid, record.userUid);
      if (fault && !(await applyFault(fault, exchange, route.module, timers))) return;
      route.handle(exchange, state);
    } catch (error) {
      exchange.sendError(
        error instanceof ApiError ? error : personalizeError(500, route.module, "INTERNAL_SERVER_ERROR", String(error)),
      );
    }
  }

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`Emulator failure: ${String(error)}`);
    });
  });

  return {
    server,
    close() {
      timers.clear();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
