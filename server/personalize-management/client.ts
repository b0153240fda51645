/**
 * Personalize Management API client (personalize-api.md §7): the token as `authtoken` or `authorization: Bearer`,
 * `x-project-uid`, JSON, a 10 s timeout, every request counted against the organization's 10 req/s budget, and
 * errors read from `errors`, `error`, `error_message`, `message` in that order (§7.1), with the token masked.
 */
import { maskSecret, type ServerConfiguration } from "../../src/shared/installation-config.ts";
import { requestJson, TransportError, type JsonAnswer } from "./json-request.ts";
import type { RateLimiter } from "./rate-limiter.ts";

export type ManagementTokenType = ServerConfiguration["personalizeManagementTokenType"];
export type ListResource = "attributes" | "events" | "audiences" | "experiences";
export type CreatableResource = "attributes" | "events";

export interface ManagementTarget {
  /** Management API base URL, already checked by resolvePersonalizeEndpoints. */
  baseUrl: string;
  projectUid: string;
  token: string;
  tokenType: ManagementTokenType;
  /** The budget key: the rate limit is per organization. */
  organizationUid: string;
}

/** A failed call: `status` is the HTTP status, or null when no answer came (the message says why). */
export class ManagementApiError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}

export const MANAGEMENT_TIMEOUT_MS = 10_000;
/**
 * Our budget keeps under the limit as we send, but requests can still arrive bunched (a busy event loop, the
 * network), so a 429 is waited out (Retry-After seconds, capped) and the request sent again, at most twice.
 */
const RATE_LIMITED_RETRIES = 2;
const MAX_RETRY_AFTER_MS = 5000;

function retryAfterMs(header: string | string[] | undefined): number {
  const seconds = typeof header === "string" && /^\d+$/.test(header.trim()) ? Number(header) : 1;
  return Math.min(Math.max(seconds, 1) * 1000, MAX_RETRY_AFTER_MS);
}

export function managementAuthHeader(token: string, tokenType: ManagementTokenType): Record<string, string> {
  return tokenType === "bearer" ? { authorization: `Bearer ${token}` } : { authtoken: token };
}

/** The most specific message in a Management API error body (§7.1), or null when there is none. */
export function readErrorMessage(body: unknown): string | null {
  if (typeof body === "string") return body.trim() ? body.trim().slice(0, 500) : null;
  if (typeof body !== "object" || body === null) return null;
  const fields = body as Record<string, unknown>;
  if (fields.errors !== undefined && fields.errors !== null) {
    const errors = fields.errors;
    const text =
      typeof errors === "object" && !Array.isArray(errors)
        ? Object.entries(errors).map(([field, value]) => `${field}: ${errorText(value)}`).join("; ")
        : errorText(errors);
    if (text) return text;
  }
  const message = typeof fields.message === "string" && fields.message ? fields.message : null;
  for (const key of ["error", "error_message"]) {
    const value = fields[key];
    // `error` is usually a code such as personalize.ATTRIBUTES.DUPLICATE_KEY next to a readable `message`.
    if (typeof value === "string" && value) return key === "error" && message ? `${message} (${value})` : value;
  }
  return message;
}

function errorText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(errorText).join(", ");
  if (typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string") {
    return (value as { message: string }).message;
  }
  return JSON.stringify(value) ?? "";
}

export function createManagementClient(options: { limiter: RateLimiter; timeoutMs?: number }) {
  const timeoutMs = options.timeoutMs ?? MANAGEMENT_TIMEOUT_MS;

  return function forProject(target: ManagementTarget) {
    const call = async (method: "GET" | "POST", resource: string, body?: unknown): Promise<unknown> => {
      const headers: Record<string, string> = {
        ...managementAuthHeader(target.token, target.tokenType),
        "x-project-uid": target.projectUid,
        accept: "application/json",
      };
      if (body !== undefined) headers["content-type"] = "application/json";
      let answer: JsonAnswer;
      for (let retries = 0; ; retries += 1) {
        await options.limiter.acquire(target.organizationUid);
        try {
          answer = await requestJson(`${target.baseUrl}/${resource}`, { method, headers, body, timeoutMs });
        } catch (error) {
          if (error instanceof TransportError) throw new ManagementApiError(null, error.message);
          throw error;
        }
        if (answer.status !== 429 || retries === RATE_LIMITED_RETRIES) break;
        await new Promise((resolve) => setTimeout(resolve, retryAfterMs(answer.headers["retry-after"])));
      }
      if (answer.status < 200 || answer.status > 299) {
        const message = readErrorMessage(answer.body) ?? `HTTP ${answer.status}`;
        // Never hand a credential back, even if an upstream error echoes it.
        throw new ManagementApiError(answer.status, message.replaceAll(target.token, maskSecret(target.token)));
      }
      return answer.body;
    };

    return {
      /** A list route's bare array (§7.2). */
      async list(resource: ListResource): Promise<Record<string, unknown>[]> {
        const body = await call("GET", resource);
        if (!Array.isArray(body)) throw new ManagementApiError(200, `GET /${resource} did not answer with a JSON list`);
        return body.filter((item): item is Record<string, unknown> => typeof item === "object" && item !== null);
      },
      async create(resource: CreatableResource, definition: Record<string, string>): Promise<Record<string, unknown>> {
        const body = await call("POST", resource, definition);
        if (typeof body !== "object" || body === null || Array.isArray(body)) {
          throw new ManagementApiError(200, `POST /${resource} did not answer with a JSON object`);
        }
        return body as Record<string, unknown>;
      },
    };
  };
}
export type ManagementClient = ReturnType<typeof createManagementClient>;
export type ProjectManagementApi = ReturnType<ManagementClient>;
