/**
 * One request to a Personalize host with a JSON (or text) answer and a hard timeout. An HTTP error status is a
 * normal answer; only a failure to get one (timeout, refused or reset connection, unknown host) throws, as a
 * TransportError whose message says why in words. Redirects are not followed: the host was checked, its target not.
 */
import { request } from "undici";

export interface JsonAnswer {
  status: number;
  /** Parsed JSON; the raw text when the body is not JSON; null when empty. */
  body: unknown;
  /** Response headers (Retry-After and rate-limit headers are read from here). */
  headers: Record<string, string | string[] | undefined>;
}

export class TransportError extends Error {}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  UND_ERR_SOCKET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  CERT_HAS_EXPIRED: "TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate is self-signed",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host",
};

export async function requestJson(
  url: string,
  init: { method: "GET" | "POST" | "PATCH" | "DELETE"; headers: Record<string, string>; body?: unknown; timeoutMs: number },
): Promise<JsonAnswer> {
  let response;
  let text: string;
  try {
    response = await request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs),
      headersTimeout: init.timeoutMs,
      bodyTimeout: init.timeoutMs,
    });
    text = await response.body.text();
  } catch (error) {
    throw new TransportError(describeFailure(error as Error & { code?: string }, init.timeoutMs));
  }
  return { status: response.statusCode, body: parseJsonOrText(text), headers: response.headers };
}

function describeFailure(error: Error & { code?: string; cause?: unknown }, timeoutMs: number): string {
  const timedOut =
    error.name === "TimeoutError" ||
    error.name === "AbortError" ||
    error.code === "UND_ERR_HEADERS_TIMEOUT" ||
    error.code === "UND_ERR_BODY_TIMEOUT";
  if (timedOut) return `no answer within ${timeoutMs / 1000} s`;
  const code = error.code ?? (error.cause as { code?: string } | undefined)?.code;
  if (code && NETWORK_REASONS[code]) return `${NETWORK_REASONS[code]} (${code})`;
  return code ? `network error (${code})` : `network error: ${error.message}`;
}

/** JSON when it parses, else the text itself; null for an empty body. */
export function parseJsonOrText(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
