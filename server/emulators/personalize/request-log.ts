/**
 * What the emulator was asked and what it answered: a bounded ring of recent requests (oldest dropped) and
 * per-route counters that are never dropped. Recording is a pointer store per request, cheap enough for benchmarks.
 */
import type { IncomingHttpHeaders } from "node:http";

export type FaultKind = "status" | "rate-limit" | "delay" | "hold" | "reset" | "malformed";

export interface RecordedResponse {
  /** null when no response was sent (connection held or reset). */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** The injected fault that shaped this answer, if any (`delay` still answers normally). */
  fault: FaultKind | null;
  /** The delay a `delay` fault chose for this answer; null otherwise. */
  delayMs: number | null;
  sentAt: number;
}

export interface RecordedRequest {
  seq: number;
  /** Epoch milliseconds. */
  receivedAt: number;
  method: string;
  path: string;
  /** The raw query string without `?`. */
  query: string;
  /** Lower-cased names, as Node delivers them. */
  headers: IncomingHttpHeaders;
  /** The body bytes decoded as UTF-8. */
  body: string;
  /** Route key such as `PATCH /user-attributes`; null for a path the emulator does not serve. */
  route: string | null;
  projectUid: string | null;
  /** The user the request acted for: from the headers, or the uid the emulator generated. */
  userUid: string | null;
  /** null until answered. */
  response: RecordedResponse | null;
}

export interface RequestFilter {
  path?: string;
  userUid?: string;
  projectUid?: string;
  /** Epoch milliseconds; requests received at or after it. */
  since?: number;
}

export interface RouteCounters {
  requests: number;
  /** Keyed by status code, or `hold` / `reset` when nothing was answered. */
  responses: Record<string, number>;
}

export const UNMATCHED_ROUTE = "unmatched";

export class RequestLog {
  private readonly ring: RecordedRequest[] = [];
  private start = 0;
  private nextSeq = 1;
  private droppedCount = 0;
  private readonly counters = new Map<string, RouteCounters>();

  constructor(private readonly limit: number) {}

  /** Creates the record; it is filled in with the response later, by reference. */
  record(request: Omit<RecordedRequest, "seq" | "response">): RecordedRequest {
    // Copied field by field: object spread costs microseconds per request on this hot path.
    const entry: RecordedRequest = {
      seq: this.nextSeq++,
      receivedAt: request.receivedAt,
      method: request.method,
      path: request.path,
      query: request.query,
      headers: request.headers,
      body: request.body,
      route: request.route,
      projectUid: request.projectUid,
      userUid: request.userUid,
      response: null,
    };
    const routeKey = request.route ?? UNMATCHED_ROUTE;
    let counters = this.counters.get(routeKey);
    if (!counters) {
      counters = { requests: 0, responses: {} };
      this.counters.set(routeKey, counters);
    }
    counters.requests++;
    if (this.limit === 0) return entry;
    if (this.ring.length < this.limit) {
      this.ring.push(entry);
    } else {
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % this.limit;
      this.droppedCount++;
    }
    return entry;
  }

  respond(entry: RecordedRequest, response: RecordedResponse): void {
    entry.response = response;
    const responses = this.counters.get(entry.route ?? UNMATCHED_ROUTE)!.responses;
    const outcome = response.status === null ? (response.fault ?? "none") : String(response.status);
    responses[outcome] = (responses[outcome] ?? 0) + 1;
  }

  requests(filter: RequestFilter = {}): RecordedRequest[] {
    const matches: RecordedRequest[] = [];
    for (let offset = 0; offset < this.ring.length; offset++) {
      const entry = this.ring[(this.start + offset) % this.ring.length]!;
      if (filter.path !== undefined && entry.path !== filter.path) continue;
      if (filter.userUid !== undefined && entry.userUid !== filter.userUid) continue;
      if (filter.projectUid !== undefined && entry.projectUid !== filter.projectUid) continue;
      if (filter.since !== undefined && entry.receivedAt < filter.since) continue;
      matches.push(entry);
    }
    return matches;
  }

  get size(): number {
    return this.ring.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  routeCounters(): Record<string, RouteCounters> {
    return Object.fromEntries(
      [...this.counters].map(([route, counters]) => [route, { requests: counters.requests, responses: { ...counters.responses } }]),
    );
  }
}
