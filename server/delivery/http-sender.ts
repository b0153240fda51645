/**
 * Sends one outbound request over a keep-alive connection pool and reports what happened, with the response
 * body truncated for the log (20 KB, like Svix). Never throws: every failure is an AttemptResult.
 */
import { Agent, request } from "undici";
import type { OutboundRequest } from "../store/types.ts";
import type { AttemptResult } from "./retry-policy.ts";

export const RESPONSE_BODY_LOG_LIMIT = 20_000;

export interface SendReport {
  result: AttemptResult;
  latencyMs: number;
  responseBody: string;
}

export function createHttpSender(options: { timeoutMs: number; connectionsPerOrigin: number }) {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: options.connectionsPerOrigin,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  return {
    async send(outbound: OutboundRequest): Promise<SendReport> {
      const started = performance.now();
      try {
        const response = await request(outbound.url, {
          method: outbound.method as "POST",
          headers: outbound.headers,
          body: outbound.method === "GET" ? undefined : outbound.body,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const text = await response.body.text();
        const retryAfter = response.headers["retry-after"];
        return {
          result: {
            kind: "response",
            status: response.statusCode,
            retryAfter: typeof retryAfter === "string" ? retryAfter : null,
          },
          latencyMs: Math.round(performance.now() - started),
          responseBody: text.slice(0, RESPONSE_BODY_LOG_LIMIT),
        };
      } catch (error) {
        const latencyMs = Math.round(performance.now() - started);
        const err = error as Error & { code?: string };
        const timedOut =
          err.name === "TimeoutError" || err.name === "AbortError" || err.code === "UND_ERR_HEADERS_TIMEOUT" || err.code === "UND_ERR_BODY_TIMEOUT";
        return {
          result: timedOut
            ? { kind: "timeout" }
            : err.code === "UND_ERR_INVALID_ARG"
              ? { kind: "unsendable", message: err.message }
              : { kind: "network", message: err.code ?? err.message },
          latencyMs,
          responseBody: "",
        };
      }
    },
    close: () => agent.close(),
  };
}
export type HttpSender = ReturnType<typeof createHttpSender>;
