/**
 * Segment's Public API (segment.md §8), server side only (Segment blocks it for browsers): bearer token, the
 * versioned Accept header per endpoint (v1, v1beta, v1alpha), cursor pagination (`pagination.count`,
 * `pagination.cursor`, `data.pagination.next`), GET answers cached per token, and rate limits respected: a 429
 * with a short Retry-After is waited out once, a longer one is reported and the token's calls fail fast until it
 * passes, so the UI cannot hammer Segment.
 */
import { createHash } from "node:crypto";
import { requestJson, TransportError } from "../personalize-management/json-request.ts";
import type { RateLimiter } from "../personalize-management/rate-limiter.ts";

export type ApiVersion = "v1" | "v1beta" | "v1alpha";

export interface PublicApiTarget {
  baseUrl: string;
  token: string;
}

export class SegmentApiError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export interface PublicApiClientOptions {
  timeoutMs?: number;
  /** How long a GET answer is reused. */
  cacheTtlMs?: number;
  /** A 429 whose Retry-After is at most this long is waited out and retried once. */
  maxRateLimitWaitMs?: number;
  maxCacheEntries?: number;
  /** Paces the calls made with one token (its workspace's budget is shared with everything else the customer runs). */
  limiter?: RateLimiter;
}

const PAGE_SIZE = 200;
const MAX_PAGES = 20;

export type PublicApi = ReturnType<ReturnType<typeof createPublicApiClient>>;

export function createPublicApiClient(options: PublicApiClientOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const cacheTtlMs = options.cacheTtlMs ?? 60_000;
  const maxWaitMs = options.maxRateLimitWaitMs ?? 2_000;
  const maxEntries = options.maxCacheEntries ?? 2_000;
  const cache = new Map<string, { expires: number; value: unknown }>();
  /** Per token: no call before this time (a long Retry-After). */
  const blockedUntil = new Map<string, number>();

  return (target: PublicApiTarget) => {
    const tokenKey = createHash("sha256").update(target.token).digest("hex").slice(0, 32);
    const base = target.baseUrl.replace(/\/+$/, "");

    const call = async (method: "GET" | "POST" | "PATCH" | "DELETE", path: string, version: ApiVersion, body?: unknown, retried = false): Promise<unknown> => {
      const blocked = (blockedUntil.get(tokenKey) ?? 0) - Date.now();
      if (blocked > 0) throw new SegmentApiError(429, `Segment's rate limit was reached; retry in ${Math.ceil(blocked / 1000)} s`, blocked);
      await options.limiter?.acquire(tokenKey);
      let answer;
      try {
        answer = await requestJson(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${target.token}`,
            accept: `application/vnd.segment.${version}+json`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body,
          timeoutMs,
        });
      } catch (error) {
        if (error instanceof TransportError) throw new SegmentApiError(null, `Segment Public API: ${error.message}`);
        throw error;
      }
      if (answer.status === 429) {
        const waitMs = retryAfterMs(answer.headers);
        if (!retried && waitMs <= maxWaitMs) {
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          return call(method, path, version, body, true);
        }
        blockedUntil.set(tokenKey, Date.now() + waitMs);
        throw new SegmentApiError(429, `Segment's rate limit was reached; retry in ${Math.ceil(waitMs / 1000)} s`, waitMs);
      }
      if (answer.status < 200 || answer.status > 299) throw new SegmentApiError(answer.status, errorMessage(answer.status, answer.body));
      return answer.body;
    };

    /** `maxAgeMs` shortens the cache for answers that must be recent (a status shown right after a change). */
    const get = async <T>(path: string, version: ApiVersion = "v1", maxAgeMs = cacheTtlMs): Promise<T> => {
      const key = `${tokenKey} ${version} ${base}${path}`;
      const hit = cache.get(key);
      if (hit && hit.expires > Date.now() && hit.expires - cacheTtlMs + maxAgeMs > Date.now()) return hit.value as T;
      const value = ((await call("GET", path, version)) as { data?: unknown } | null)?.data as T;
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(key, { expires: Date.now() + cacheTtlMs, value });
      return value;
    };

    /** A write changes what later reads must see: forget this token's cached answers. */
    const write = async <T>(method: "POST" | "PATCH" | "DELETE", path: string, version: ApiVersion, body?: unknown): Promise<T> => {
      try {
        return ((await call(method, path, version, body)) as { data?: unknown } | null)?.data as T;
      } finally {
        for (const key of cache.keys()) if (key.startsWith(tokenKey)) cache.delete(key);
      }
    };

    return {
      get,
      /** Every page of a list (bounded), following `pagination.next`. */
      async list<T>(path: string, field: string, version: ApiVersion = "v1"): Promise<T[]> {
        const items: T[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < MAX_PAGES; page++) {
          const separator = path.includes("?") ? "&" : "?";
          const query: string = `pagination.count=${PAGE_SIZE}${cursor ? `&pagination.cursor=${encodeURIComponent(cursor)}` : ""}`;
          const data: (Record<string, unknown> & { pagination?: { next?: string | null } }) | undefined = await get<Record<string, unknown> & { pagination?: { next?: string | null } }>(`${path}${separator}${query}`, version);
          items.push(...(((data?.[field] as T[] | undefined) ?? []) as T[]));
          cursor = data?.pagination?.next ?? null;
          if (!cursor) break;
        }
        return items;
      },
      post: <T>(path: string, body: unknown, version: ApiVersion = "v1") => write<T>("POST", path, version, body),
      patch: <T>(path: string, body: unknown, version: ApiVersion = "v1") => write<T>("PATCH", path, version, body),
      delete: <T>(path: string, version: ApiVersion = "v1") => write<T>("DELETE", path, version),
    };
  };
}

/** Retry-After in seconds (RFC 9110); else the X-RateLimit-Reset epoch-ms header Segment documents; else 60 s. */
function retryAfterMs(headers: Record<string, string | string[] | undefined>): number {
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > Date.now()) return reset - Date.now();
  return 60_000;
}

/** Segment's error envelope is `{ errors: [{ type, message, field?, data? }] }`. */
function errorMessage(status: number, body: unknown): string {
  const errors = (body as { errors?: Array<{ message?: unknown; field?: unknown }> } | null)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const message = typeof first?.message === "string" ? first.message : typeof body === "string" && body ? body.slice(0, 200) : "no error message";
  return `HTTP ${status}: ${message}${typeof first?.field === "string" ? ` (${first.field})` : ""}`;
}
