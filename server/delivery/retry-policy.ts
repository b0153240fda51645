/**
 * What to do after an attempt, as Segment reads destination responses (segment.md §2.2): 2xx delivered;
 * 408, 423, 429, 5xx except 501, timeouts and connection errors retried with exponential backoff and full
 * jitter, never sooner than Retry-After; other 4xx, and requests the HTTP client refuses to send, fail at once. Past the maximum age (default 4 h, as
 * Segment) a retryable failure is dead-lettered.
 */
import { readErrorMessage } from "../personalize-management/client.ts";

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 10 * 60 * 1000, maxAgeMs: 4 * 3600 * 1000 };

/** The longest Retry-After we honour as given; a larger one is capped so a bad header cannot park a lane for days. */
const MAX_RETRY_AFTER_MS = 3600 * 1000;

export type AttemptResult =
  | { kind: "response"; status: number; retryAfter: string | null }
  | { kind: "timeout" }
  | { kind: "network"; message: string }
  /** The HTTP client refused to build the request (a user id no header can carry); sending again cannot help. */
  | { kind: "unsendable"; message: string };

export type Decision =
  | { status: "delivered" }
  | { status: "pending_retry"; nextAttemptAt: number; delayMs: number }
  | { status: "failed" | "dead_lettered" };

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 423 || status === 429 || (status >= 500 && status !== 501);
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(date - now, 0), MAX_RETRY_AFTER_MS);
}

export function decide(
  result: AttemptResult,
  attempt: number,
  firstQueuedAt: number,
  now: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): Decision {
  if (result.kind === "response" && result.status >= 200 && result.status < 300) return { status: "delivered" };
  const retryable = result.kind === "response" ? isRetryableStatus(result.status) : result.kind !== "unsendable";
  if (!retryable) return { status: "failed" };
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = backoff / 2 + random() * (backoff / 2);
  const retryAfter = result.kind === "response" ? parseRetryAfter(result.retryAfter, now) : null;
  const delayMs = Math.round(Math.max(jittered, retryAfter ?? 0));
  if (now + delayMs - firstQueuedAt > policy.maxAgeMs) return { status: "dead_lettered" };
  return { status: "pending_retry", nextAttemptAt: now + delayMs, delayMs };
}

/** Longest error message kept on a log row; the whole response stays in the attempt's response body. */
const ERROR_MESSAGE_LIMIT = 300;

/**
 * A failed attempt in one line: for an HTTP answer, the status and the message of Personalize's error body
 * (`{"error":"personalize.<MODULE>.<CODE>","message":"…"}`, personalize-api.md §3.3) when it has one.
 */
export function describeFailure(result: AttemptResult, responseBody = ""): string {
  if (result.kind === "timeout") return "timed out waiting for Personalize";
  if (result.kind === "network") return `connection failed: ${result.message}`;
  if (result.kind === "unsendable") return `cannot be sent: ${result.message} (the user id has characters an HTTP header cannot carry)`;
  const message = errorBodyMessage(responseBody);
  return message ? `HTTP ${result.status}: ${message}` : `HTTP ${result.status}`;
}

function errorBodyMessage(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  // A bare JSON string is not Personalize's error format (an HTML or text page is not parsed at all).
  const message = typeof parsed === "object" ? readErrorMessage(parsed) : null;
  return message && message.length > ERROR_MESSAGE_LIMIT ? `${message.slice(0, ERROR_MESSAGE_LIMIT - 1)}…` : message;
}
