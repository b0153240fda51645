/**
 * One request/response pair: header access, the parsed body, and the only ways to answer, each of which also
 * completes the request's record.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultKind, RecordedRequest, RequestLog } from "./request-log.ts";
import type { EmulatorState } from "./state.ts";
import type { Strictness } from "./strictness.ts";

/** An emulated endpoint; `module` names it in `personalize.<MODULE>.<CODE>` errors. */
export interface Route {
  module: string;
  handle(exchange: Exchange, state: EmulatorState): void;
}

/** An answer that ends the request early; routes throw it and the dispatcher sends it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === "string" ? body.message : `HTTP ${status}`);
  }
}

/** The Personalize error shape: `{"error":"personalize.<MODULE>.<CODE>","message":"…"}` (personalize-api.md §3.3). */
export function personalizeError(
  status: number,
  module: string,
  code: string,
  message: string,
  headers?: Record<string, string>,
): ApiError {
  return new ApiError(status, { error: `personalize.${module}.${code}`, message }, headers);
}

/** The `requireJsonContentType` toggle: body routes without `Content-Type: application/json` get 415. */
export function assertJsonContentType(exchange: Exchange, strictness: Strictness, module: string): void {
  if (strictness.requireJsonContentType && !/^application\/json\s*(;|$)/i.test(exchange.header("content-type") ?? "")) {
    throw personalizeError(415, module, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
  }
}

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
export const TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";

export class Exchange {
  /** Set when an injected delay preceded the normal answer, so the record says so. */
  fault: FaultKind | null = null;
  /** How long a `delay` fault held this answer back. */
  delayMs: number | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: RecordedRequest,
    private readonly log: RequestLog,
  ) {}

  /** A header's value, or undefined when absent or empty. Node lower-cases names, so lookups are case-insensitive. */
  header(name: string): string | undefined {
    const value = this.req.headers[name];
    const text = Array.isArray(value) ? value[0] : value;
    return text === undefined || text === "" ? undefined : text;
  }

  /** Parses the body as JSON whatever the Content-Type (personalize-api.md §9); undefined when it is not JSON. */
  jsonBody(): unknown {
    try {
      return JSON.parse(this.record.body);
    } catch {
      return undefined;
    }
  }

  /** Takes ownership of `headers` (adds content-length to it): pass a fresh object. */
  send(status: number, body: string, headers: Record<string, string>): void {
    // Recorded before the bytes go out, so that no client can have the answer before its recorded time.
    this.log.respond(this.record, { status, headers, body, fault: this.fault, delayMs: this.delayMs, sentAt: Date.now() });
    if (status === 204) {
      this.res.writeHead(status, headers).end();
    } else {
      // Content-Length rather than chunked encoding: less framing for benchmark clients to parse.
      headers["content-length"] = String(Buffer.byteLength(body));
      this.res.writeHead(status, headers).end(body);
    }
  }

  /** Takes ownership of `headers`, like send. */
  sendJson(status: number, value: unknown, headers: Record<string, string> = {}): void {
    headers["content-type"] = JSON_CONTENT_TYPE;
    this.send(status, JSON.stringify(value), headers);
  }

  sendError(error: ApiError): void {
    this.sendJson(error.status, error.body, error.headers);
  }

  /** Records that no answer will come: the connection is held open or reset. */
  abandon(fault: "hold" | "reset"): void {
    this.log.respond(this.record, { status: null, headers: {}, body: "", fault, delayMs: null, sentAt: Date.now() });
  }
}
