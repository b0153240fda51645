/**
 * One hostile input and how it travels: an ordinary HTTP request (undici), or raw bytes on a socket for what an
 * HTTP client refuses to send (bad header characters, smuggling, garbage request lines).
 */
import { connect } from "node:net";
import { request, type Dispatcher } from "undici";

export type Endpoint = "webhook" | "tracking" | "session" | "lifecycle" | "log" | "config" | "http";

export interface HostileRequest {
  endpoint: Endpoint;
  /** What kind of hostility this is, e.g. "malformed JSON"; the report counts inputs per family. */
  family: string;
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent as is on a fresh socket instead of `method`/`path`/`headers`/`body`. */
  raw?: Buffer;
  /** `refuse`: a 4xx with a message. `absorb`: a replay of something applied before, answered 2xx with no effect. */
  expect: "refuse" | "absorb";
}

export interface HostileResponse {
  /** null when no HTTP response came back (connection dropped or timed out). */
  status: number | null;
  body: string;
  retryAfter: string | null;
}

const RAW_TIMEOUT_MS = 3000;

/** Above this a server answers 413 from Content-Length alone and closes; an HTTP client would only see EPIPE. */
const EARLY_ANSWER_BYTES = 1024 * 1024;

export async function sendHostileRequest(baseUrl: string, input: HostileRequest, dispatcher: Dispatcher): Promise<HostileResponse> {
  if (input.raw) return sendRaw(baseUrl, input.raw);
  if (input.body && input.body.length > EARLY_ANSWER_BYTES) return sendRaw(baseUrl, requestHead(baseUrl, input), input.body);
  try {
    const response = await request(`${baseUrl}${input.path}`, {
      method: input.method as Dispatcher.HttpMethod,
      headers: input.headers,
      body: input.body,
      dispatcher,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    const retryAfter = response.headers["retry-after"];
    return { status: response.statusCode, body: await response.body.text(), retryAfter: typeof retryAfter === "string" ? retryAfter : null };
  } catch (error) {
    return { status: null, body: `${(error as Error).name}: ${(error as Error).message}`, retryAfter: null };
  }
}

function requestHead(baseUrl: string, input: HostileRequest): Buffer {
  const headers = { host: new URL(baseUrl).host, ...input.headers, "content-length": String(input.body?.length ?? 0) };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return Buffer.from(`${input.method} ${input.path} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`, "latin1");
}

/**
 * Writes `head`, then `body` unless the server has answered within a moment (as a client honouring an early 413
 * would), reads until the server closes or a pause, and parses the status line and body.
 */
function sendRaw(baseUrl: string, head: Buffer, body?: Buffer): Promise<HostileResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const headerEnd = text.indexOf("\r\n\r\n");
      resolve({
        status: status ? Number(status[1]) : null,
        body: headerEnd >= 0 ? text.slice(headerEnd + 4) : text,
        retryAfter: /\r\nretry-after: *([^\r]*)/i.exec(text)?.[1] ?? null,
      });
    };
    const timer = setTimeout(finish, RAW_TIMEOUT_MS);
    socket.on("connect", () => {
      socket.write(head);
      if (body) setTimeout(() => chunks.length === 0 && !socket.destroyed && socket.write(body), 100);
    });
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      // One response is all we judge; a kept-alive connection would otherwise wait for the timeout.
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString("latin1")) && responseComplete(Buffer.concat(chunks))) finish();
    });
    socket.on("end", finish);
    socket.on("error", finish);
  });
}

function responseComplete(buffer: Buffer): boolean {
  const text = buffer.toString("latin1");
  const headerEnd = text.indexOf("\r\n\r\n");
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headerEnd));
  return length !== null && buffer.length - (headerEnd + 4) >= Number(length[1]);
}
