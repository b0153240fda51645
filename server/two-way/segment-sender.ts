/**
 * Sends assignment calls to Segment with the official `@segment/analytics-node` client (regional host, the
 * customer's write key), one batch per outbound row. The client's own retries are off: our durable queue
 * retries, so a failure is recorded and rescheduled like any Personalize request. The client's HTTP layer is
 * wrapped to report status, Retry-After, body and latency the same way the Edge sender does.
 */
import { Analytics, type HTTPClient, type HTTPClientRequest } from "@segment/analytics-node";
import type { SendReport } from "../delivery/http-sender.ts";
import { RESPONSE_BODY_LOG_LIMIT } from "../delivery/http-sender.ts";
import type { SegmentCall } from "./assignments.ts";

export async function sendToSegment(options: { host: string; writeKey: string; calls: SegmentCall[]; timeoutMs: number }): Promise<SendReport> {
  let report: SendReport | null = null;
  const httpClient: HTTPClient = {
    async makeRequest(request: HTTPClientRequest) {
      const started = performance.now();
      try {
        const response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const body = await response.text();
        report = {
          result: { kind: "response", status: response.status, retryAfter: response.headers.get("retry-after") },
          latencyMs: Math.round(performance.now() - started),
          responseBody: body.slice(0, RESPONSE_BODY_LOG_LIMIT),
        };
        return { status: response.status, statusText: response.statusText, headers: {} };
      } catch (error) {
        const err = error as Error;
        report = {
          result: err.name === "TimeoutError" ? { kind: "timeout" } : { kind: "network", message: String((err.cause as Error)?.message ?? err.message) },
          latencyMs: Math.round(performance.now() - started),
          responseBody: "",
        };
        throw error;
      }
    },
  };
  const analytics = new Analytics({
    writeKey: options.writeKey,
    host: options.host,
    flushAt: options.calls.length,
    maxRetries: 0,
    httpClient,
    httpRequestTimeout: options.timeoutMs,
  });
  for (const call of options.calls) {
    const common = { userId: call.userId, messageId: call.messageId, context: call.context, timestamp: new Date(call.timestamp) };
    if (call.type === "track") analytics.track({ ...common, event: call.event!, properties: call.properties });
    else analytics.identify({ ...common, traits: call.traits });
  }
  await analytics.closeAndFlush({ timeout: options.timeoutMs + 1000 });
  return report ?? { result: { kind: "network", message: "analytics-node sent nothing" }, latencyMs: 0, responseBody: "" };
}
