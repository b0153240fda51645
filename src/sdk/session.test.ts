import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApiClient } from "./api-client";
import { ApiError, SessionExpiredError, type FetchLike } from "./http";
import { SessionManager } from "./session";

const HOUR = 3_600_000;

interface Call {
  path: string;
  init: RequestInit;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** A fake server: answers each path from a queue (last answer repeats) and records the calls. */
function fakeServer(routes: Record<string, (() => Response | Promise<Response>)[]>) {
  const calls: Call[] = [];
  const fetchImpl: FetchLike = async (path, init) => {
    calls.push({ path, init });
    const queue = routes[path];
    if (!queue) return json(404, { error: "not_found", message: `No route ${path}` });
    return (queue.length > 1 ? queue.shift()! : queue[0])();
  };
  return { calls, fetchImpl };
}

function sessionReply(token: string, lifetimeMs = HOUR) {
  return () =>
    json(200, {
      token,
      expiresAt: new Date(Date.now() + lifetimeMs).toISOString(),
      installationUid: "inst-1",
      stackApiKey: "stack-1",
    });
}

function authorization(call: Call): string | undefined {
  return (call.init.headers as Record<string, string>).Authorization;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("SessionManager", () => {
  it("exchanges the app-token for a session and authenticates API calls with the session token", async () => {
    const server = fakeServer({
      "/api/session": [sessionReply("session-1")],
      "/api/observed": [() => json(200, { traits: [], events: [] })],
    });
    const session = new SessionManager({ appToken: "app-token-jwt", fetchImpl: server.fetchImpl });
    const api = createApiClient(session, server.fetchImpl);

    await expect(api.get("/api/observed")).resolves.toEqual({ traits: [], events: [] });

    const [exchange, call] = server.calls;
    expect(exchange.path).toBe("/api/session");
    expect(exchange.init.method).toBe("POST");
    expect(authorization(exchange)).toBe("Bearer app-token-jwt");
    expect(authorization(call)).toBe("Bearer session-1");
    expect(call.init.credentials).toBe("omit");
    expect(session.getState()).toMatchObject({ status: "active", session: { token: "session-1", installationUid: "inst-1" } });
    session.dispose();
  });

  it("shares one exchange between concurrent callers", async () => {
    const server = fakeServer({ "/api/session": [sessionReply("session-1")] });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    await expect(Promise.all([session.token(), session.token(), session.token()])).resolves.toEqual([
      "session-1",
      "session-1",
      "session-1",
    ]);
    expect(server.calls).toHaveLength(1);
    session.dispose();
  });

  it("renews before expiresAt while the app-token is accepted", async () => {
    const server = fakeServer({ "/api/session": [sessionReply("session-1"), sessionReply("session-2")] });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    session.start();
    await vi.waitFor(() => expect(session.getState().status).toBe("active"));

    await vi.advanceTimersByTimeAsync(HOUR - 5 * 60_000);
    expect(server.calls).toHaveLength(2);
    await expect(session.token()).resolves.toBe("session-2");
    session.dispose();
  });

  it("keeps the session until expiresAt when the app-token is spent, then says to reopen the app", async () => {
    const server = fakeServer({
      "/api/session": [sessionReply("session-1"), () => json(401, { error: "app_token_expired", message: "The app-token has expired." })],
    });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    session.start();
    await vi.waitFor(() => expect(session.getState().status).toBe("active"));

    await vi.advanceTimersByTimeAsync(HOUR - 60_000);
    expect(server.calls).toHaveLength(2);
    await expect(session.token()).resolves.toBe("session-1");

    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.getState()).toEqual({ status: "expired", reason: "it ran out" });
    await expect(session.token()).rejects.toThrow(
      "Your session has ended (it ran out). Reopen the app in Contentstack to continue.",
    );
    expect(server.calls).toHaveLength(2);
  });

  it("expires at once without an app-token, making no request", async () => {
    const server = fakeServer({});
    const session = new SessionManager({ appToken: null, fetchImpl: server.fetchImpl });
    await expect(session.token()).rejects.toThrow(/without an app-token\)\. Reopen the app/);
    expect(session.getState().status).toBe("expired");
    expect(server.calls).toHaveLength(0);
  });

  it("shows the server's message when the app-token is refused", async () => {
    const server = fakeServer({ "/api/session": [() => json(401, { error: "bad_token", message: "Invalid app-token signature." })] });
    const session = new SessionManager({ appToken: "forged", fetchImpl: server.fetchImpl });
    await expect(session.token()).rejects.toBeInstanceOf(SessionExpiredError);
    expect(session.getState()).toEqual({ status: "expired", reason: "Invalid app-token signature." });
  });

  it("reports a transient failure as unavailable and recovers on retry", async () => {
    const server = fakeServer({
      "/api/session": [() => Promise.reject(new TypeError("Failed to fetch")), sessionReply("session-1")],
    });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    session.start();
    await vi.waitFor(() => expect(session.getState().status).toBe("unavailable"));
    expect(session.getState()).toMatchObject({ message: expect.stringMatching(/Could not reach the app server/) });

    await session.renew();
    expect(session.getState().status).toBe("active");
    session.dispose();
  });

  it("refuses a session that is already expired instead of renewing in a loop", async () => {
    const server = fakeServer({ "/api/session": [sessionReply("stale", -60_000)] });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    await expect(session.token()).rejects.toThrow(/already expired/);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(server.calls).toHaveLength(1);
  });

  it("times a session by its lifetime when the browser's clock is days ahead of the server's", async () => {
    const serverNow = Date.now() - 2 * 24 * HOUR;
    const server = fakeServer({
      "/api/session": [
        () => json(200, { token: "skewed", expiresAt: new Date(serverNow + HOUR).toISOString(), expiresInSeconds: HOUR / 1000, installationUid: "inst-1", stackApiKey: "stack-1" }),
      ],
    });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    await expect(session.token()).resolves.toBe("skewed");
    await vi.advanceTimersByTimeAsync(HOUR / 2);
    expect(session.getState().status).toBe("active");
    session.dispose();
  });

  it("rejects a malformed session answer", async () => {
    const server = fakeServer({ "/api/session": [() => json(200, { token: "" })] });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    await expect(session.token()).rejects.toThrow(/invalid session/);
    expect(session.getState().status).toBe("unavailable");
  });
});

describe("createApiClient", () => {
  it("turns {error, message} answers into ApiErrors carrying the message", async () => {
    const server = fakeServer({
      "/api/session": [sessionReply("session-1")],
      "/api/personalize/catalog": [() => json(502, { error: "upstream", message: "Personalize answered 503." })],
    });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    const api = createApiClient(session, server.fetchImpl);

    const failure = api.post("/api/personalize/catalog", { configuration: {} });
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 502, code: "upstream", message: "Personalize answered 503." });
    const call = server.calls[1];
    expect(call.init.body).toBe('{"configuration":{}}');
    expect((call.init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    session.dispose();
  });

  it("falls back to the status line when the error body is not JSON", async () => {
    const server = fakeServer({
      "/api/session": [sessionReply("session-1")],
      "/api/observed": [() => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" })],
    });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    await expect(createApiClient(session, server.fetchImpl).get("/api/observed")).rejects.toThrow(
      "Request failed with HTTP 502 Bad Gateway.",
    );
    session.dispose();
  });

  it("ends the session when the API refuses the session token", async () => {
    const server = fakeServer({
      "/api/session": [sessionReply("session-1")],
      "/api/observed": [() => json(401, { error: "invalid_session", message: "Unknown session." })],
    });
    const session = new SessionManager({ appToken: "app-token", fetchImpl: server.fetchImpl });
    const api = createApiClient(session, server.fetchImpl);

    await expect(api.get("/api/observed")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(session.getState()).toEqual({ status: "expired", reason: "Unknown session." });
    await expect(api.get("/api/observed")).rejects.toBeInstanceOf(SessionExpiredError);
    expect(server.calls.filter((call) => call.path === "/api/observed")).toHaveLength(1);
  });
});
