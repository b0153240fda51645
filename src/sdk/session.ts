import { z } from "zod";
import { ApiError, SessionExpiredError, errorMessage, requestJson, type FetchLike } from "./http";

/**
 * Our own session (contentstack-app.md §7): the app-token Contentstack puts on the first page load is exchanged once
 * at `POST /api/session` for a session token, which every later API call carries. The app-token lives a few
 * minutes, the session hours; the manager renews before `expiresAt` while the app-token is still accepted and
 * otherwise lets the session run out and says "reopen the app".
 */
export interface Session {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  installationUid: string;
  stackApiKey: string;
}

export type SessionState =
  | { status: "starting" }
  | { status: "active"; session: Session }
  /** No usable credential is left: the admin must reopen the app. `reason` says why. */
  | { status: "expired"; reason: string }
  /** No session yet and the last attempt failed for a reason that may pass (network, 5xx). */
  | { status: "unavailable"; message: string };

/** What to tell the admin once the session is gone, for the banner and for failed calls alike. */
export function sessionEndedMessage(reason: string): string {
  return `Your session has ended (${reason.replace(/[.\s]+$/, "")}). Reopen the app in Contentstack to continue.`;
}
const REFRESH_MARGIN_MS = 5 * 60_000;
const RETRY_AFTER_FAILURE_MS = 30_000;

/** Accepts ISO-8601 or epoch (seconds or milliseconds); normalized to epoch milliseconds. */
const expiresAtSchema = z
  .union([z.string(), z.number()])
  .transform((value) => (typeof value === "number" ? (value < 1e12 ? value * 1000 : value) : Date.parse(value)))
  .refine(Number.isFinite, "must be a date");

const sessionResponseSchema = z.object({
  token: z.string().min(1),
  expiresAt: expiresAtSchema,
  /** The server's lifetime of the session; when present it is timed by this browser's clock instead of expiresAt. */
  expiresInSeconds: z.number().positive().optional(),
  installationUid: z.string(),
  stackApiKey: z.string(),
});

interface SessionManagerOptions {
  appToken: string | null;
  fetchImpl?: FetchLike;
  now?: () => number;
}

export class SessionManager {
  #state: SessionState = { status: "starting" };
  #appToken: string | null;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  #pending: Promise<void> | null = null;
  #started = false;
  #disposed = false;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshAt = 0;

  constructor(options: SessionManagerOptions) {
    this.#appToken = options.appToken;
    this.#fetch = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
  }

  getState = (): SessionState => this.#state;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Obtains the first session; safe to call repeatedly (React StrictMode runs effects twice). */
  start(): void {
    this.#disposed = false;
    if (!this.#started) {
      this.#started = true;
      void this.renew();
      return;
    }
    const session = this.#usableSession();
    if (session) this.#armTimers(session);
  }

  /** Stops the timers; a later `start()` re-arms them. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#refreshTimer);
    clearTimeout(this.#expiryTimer);
  }

  /** A token the API accepts now, obtaining a session first if there is none yet. */
  async token(): Promise<string> {
    this.#started = true;
    if (!this.#usableSession() && this.#state.status !== "expired") await this.renew();
    const session = this.#usableSession();
    if (session) return session.token;
    const state = this.#state;
    if (state.status === "expired") throw new SessionExpiredError(sessionEndedMessage(state.reason));
    throw new ApiError(state.status === "unavailable" ? state.message : "No session.", 0, "no_session");
  }

  /** Exchanges the app-token for a (new) session; concurrent callers share one request. */
  renew(): Promise<void> {
    this.#pending ??= this.#exchangeAppToken().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  /** The API refused `token` (HTTP 401): end that session, unless a newer one already replaced it. */
  reject(token: string, reason: string): SessionExpiredError {
    const state = this.#state;
    if (state.status === "active" && state.session.token === token) {
      clearTimeout(this.#refreshTimer);
      clearTimeout(this.#expiryTimer);
      this.#expire(reason);
    }
    return new SessionExpiredError(sessionEndedMessage(reason));
  }

  #usableSession(): Session | null {
    const state = this.#state;
    return state.status === "active" && this.#now() < state.session.expiresAt ? state.session : null;
  }

  async #exchangeAppToken(): Promise<void> {
    const current = this.#usableSession();
    if (!this.#appToken) {
      const state = this.#state.status;
      if (!current && state !== "expired") {
        this.#expire(state === "active" ? "it ran out" : "the page was opened without an app-token");
      }
      return;
    }
    const requestedAt = this.#now();
    try {
      const body = await requestJson<unknown>(this.#fetch, "/api/session", { method: "POST", bearer: this.#appToken });
      const parsed = sessionResponseSchema.safeParse(body);
      if (!parsed.success) throw new ApiError("The app server sent an invalid session.", 200, "invalid_session");
      const { expiresInSeconds, ...session } = parsed.data;
      // Timed from the request's start, so a browser clock far off the server's still gets the whole lifetime.
      if (expiresInSeconds !== undefined) session.expiresAt = requestedAt + expiresInSeconds * 1000;
      if (session.expiresAt <= this.#now()) {
        // Renewing would loop; a clock far off between server and browser is the likely cause.
        throw new ApiError("The app server sent a session that has already expired (check the clocks).", 200, "expired_session");
      }
      this.#activate(session, requestedAt);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        // The app-token is spent (they live minutes); keep the current session until it runs out.
        this.#appToken = null;
        if (!current) this.#expire(error.message);
        return;
      }
      if (current) this.#scheduleRefresh(Math.min(this.#now() + RETRY_AFTER_FAILURE_MS, current.expiresAt));
      else this.#setState({ status: "unavailable", message: `Could not start a session: ${errorMessage(error)}` });
    }
  }

  #activate(session: Session, requestedAt: number): void {
    // Renew at half the lifetime at most, so a short-lived session cannot cause a renewal loop.
    this.#refreshAt = session.expiresAt - Math.min(REFRESH_MARGIN_MS, (session.expiresAt - requestedAt) / 2);
    this.#setState({ status: "active", session });
    this.#armTimers(session);
  }

  #armTimers(session: Session): void {
    clearTimeout(this.#expiryTimer);
    if (this.#disposed) return;
    this.#scheduleRefresh(this.#refreshAt);
    this.#expiryTimer = setTimeout(() => {
      if (this.#state.status === "active" && this.#state.session === session) this.#expire("it ran out");
    }, Math.max(0, session.expiresAt - this.#now()));
  }

  #scheduleRefresh(at: number): void {
    clearTimeout(this.#refreshTimer);
    if (this.#disposed || !this.#appToken) return;
    this.#refreshTimer = setTimeout(() => void this.renew(), Math.max(0, at - this.#now()));
  }

  #expire(reason: string): void {
    this.#setState({ status: "expired", reason });
  }

  #setState(state: SessionState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener();
  }
}
