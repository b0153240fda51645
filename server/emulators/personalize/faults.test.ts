import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../testing/harness.ts";
import { DEFAULT_HOLD_MS, startPersonalizeEmulator, type PersonalizeEmulator } from "./index.ts";
import { edgeHeaders, fixtures, patchAttributes, PROJECT, TOKEN } from "./test-support.ts";

let emulator: PersonalizeEmulator;

beforeAll(async () => {
  emulator = await startPersonalizeEmulator({ fixtures: fixtures() });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const PATCH_ROUTE = "PATCH /user-attributes";

async function statuses(count: number, send: (index: number) => Promise<Response> = (index) => patchAttributes(emulator, `u${index}`, {})) {
  const result: number[] = [];
  for (let index = 0; index < count; index++) result.push((await send(index)).status);
  return result;
}

/** Sends a raw PATCH over a fresh socket; resolves with what came back and how the socket ended. */
function rawPatch(target: PersonalizeEmulator): Promise<{ data: string; error: NodeJS.ErrnoException | null; elapsedMs: number }> {
  const { hostname, port } = new URL(target.url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let data = "";
  let error: NodeJS.ErrnoException | null = null;
  socket.on("data", (chunk) => (data += chunk.toString()));
  socket.on("error", (socketError) => (error = socketError));
  socket.write(`PATCH /user-attributes HTTP/1.1\r\nHost: ${hostname}\r\nx-project-uid: ${PROJECT}\r\ncontent-length: 2\r\n\r\n{}`);
  // Not events.once: it rejects on the 'error' event, which is the outcome under test.
  return new Promise((resolve) => socket.once("close", () => resolve({ data, error, elapsedMs: Date.now() - started })));
}

describe("status faults", () => {
  it.each([
    [400, "BAD_REQUEST"],
    [401, "UNAUTHORIZED"],
    [403, "FORBIDDEN"],
    [404, "NOT_FOUND"],
    [500, "INTERNAL_SERVER_ERROR"],
    [501, "NOT_IMPLEMENTED"],
    [502, "BAD_GATEWAY"],
    [503, "SERVICE_UNAVAILABLE"],
    [504, "GATEWAY_TIMEOUT"],
  ])("answers %i with a Personalize error body instead of handling the request", async (status, code) => {
    emulator.addFault({ route: PATCH_ROUTE, kind: "status", status });
    const response = await patchAttributes(emulator, "u1", { plan: "pro" });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: `personalize.USER_ATTRIBUTES.${code}`, message: `Injected fault: HTTP ${status}` });
    expect(emulator.userAttributes(PROJECT, "u1")).toBeUndefined();
    expect(emulator.requests()[0]!.response).toMatchObject({ status, fault: "status" });
  });

  it("uses the route's module and a custom body when given", async () => {
    emulator.addFault({ route: "GET /management/attributes", kind: "status", status: 502, times: 1 });
    emulator.addFault({ route: "POST /events", kind: "status", status: 500, body: "<html>upstream</html>" });
    const management = await fetch(`${emulator.managementUrl}/attributes`, { headers: { authtoken: TOKEN, "x-project-uid": PROJECT } });
    expect(((await management.json()) as { error: string }).error).toBe("personalize.ATTRIBUTES.BAD_GATEWAY");
    const events = await fetch(`${emulator.url}/events`, { method: "POST", headers: edgeHeaders("u1"), body: "[]" });
    expect(events.status).toBe(500);
    expect(await events.text()).toBe("<html>upstream</html>");
  });
});

describe("when rules fire", () => {
  it("times: the next N matching requests, then the rule is gone", async () => {
    emulator.addFault({ route: PATCH_ROUTE, kind: "status", status: 503, times: 2 });
    expect(await statuses(4)).toEqual([503, 503, 200, 200]);
    expect(emulator.stats().faults).toBe(0);
  });

  it("everyNth: every Nth matching request", async () => {
    emulator.addFault({ route: PATCH_ROUTE, kind: "status", status: 503, everyNth: 3 });
    expect(await statuses(7)).toEqual([200, 200, 503, 200, 200, 503, 200]);
  });

  it("probability: seeded rules repeat exactly", async () => {
    const run = async () => {
      emulator.clearFaults();
      emulator.addFault({ route: PATCH_ROUTE, kind: "status", status: 503, probability: 0.5, seed: 42 });
      return statuses(24);
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
    emulator.clearFaults();
    emulator.addFault({ route: PATCH_ROUTE, kind: "status", status: 503, probability: 0 });
    expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);
  });

  it("scopes rules by route, project and user; the first firing rule wins", async () => {
    emulator.addFault({ route: "POST /events", kind: "status", status: 500 });
    emulator.addFault({ projectUid: "otherproject000000000000", kind: "status", status: 501 });
    emulator.addFault({ userUid: "unlucky", kind: "status", status: 502 });
    emulator.addFault({ userUid: "unlucky", kind: "status", status: 503 });
    expect((await patchAttributes(emulator, "lucky", {})).status).toBe(200);
    expect((await patchAttributes(emulator, "unlucky", {})).status).toBe(502);
    const eclipseOnly = await fetch(`${emulator.url}/user-attributes`, {
      method: "PATCH",
      headers: { "x-project-uid": PROJECT, "x-cs-eclipse-user-uid": "unlucky" },
      body: "{}",
    });
    expect(eclipseOnly.status).toBe(502);
    expect((await patchAttributes(emulator, "lucky", {}, "otherproject000000000000")).status).toBe(501);
  });

  it("rejects invalid rules", () => {
    expect(() => emulator.addFault({ route: "PATCH /nope", kind: "reset" })).toThrow(/unknown route "PATCH \/nope"/);
    expect(() => emulator.addFault({ kind: "reset", times: 1, everyNth: 2 })).toThrow(/at most one of/);
    expect(() => emulator.addFault({ kind: "delay", ms: 200, maxMs: 100 })).toThrow(/maxMs/);
    expect(() => emulator.addFault({ kind: "status", status: 200 } as never)).toThrow();
  });
});

describe("429 faults", () => {
  it("sends Retry-After in seconds", async () => {
    emulator.addFault({ kind: "rate-limit", retryAfterSeconds: 7 });
    const response = await patchAttributes(emulator, "u1", {});
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(await response.json()).toEqual({ error: "personalize.USER_ATTRIBUTES.TOO_MANY_REQUESTS", message: "Injected fault: rate limited" });
  });

  it("sends Retry-After as an HTTP date", async () => {
    emulator.addFault({ kind: "rate-limit", retryAfterSeconds: 30, retryAfterFormat: "http-date" });
    const response = await patchAttributes(emulator, "u1", {});
    const header = response.headers.get("retry-after")!;
    expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    // An HTTP date has whole seconds: 30 s after a moment between receiving and answering, rounded down.
    const record = emulator.requests()[0]!;
    const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
    expect(Date.parse(header)).toBeGreaterThanOrEqual(wholeSecond(record.receivedAt + 30_000));
    expect(Date.parse(header)).toBeLessThanOrEqual(wholeSecond(record.response!.sentAt + 30_000));
  });

  it("can omit Retry-After", async () => {
    emulator.addFault({ kind: "rate-limit" });
    const response = await patchAttributes(emulator, "u1", {});
    expect(response.status).toBe(429);
    expect(response.headers.has("retry-after")).toBe(false);
  });
});

describe("slow, held and reset connections", () => {
  it("delays and then answers normally", async () => {
    emulator.addFault({ kind: "delay", ms: 200 });
    const started = Date.now();
    const response = await patchAttributes(emulator, "u1", { plan: "pro" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(response.status).toBe(200);
    expect(emulator.userAttributes(PROJECT, "u1")).toEqual({ plan: "pro" });
    expect(emulator.requests()[0]!.response).toMatchObject({ status: 200, fault: "delay" });
  });

  it("delays by a random amount within bounds", async () => {
    emulator.addFault({ kind: "delay", ms: 100, maxMs: 250, seed: 7 });
    for (let index = 0; index < 3; index++) await patchAttributes(emulator, "u1", {});
    const records = emulator.requests();
    const delays = records.map((record) => record.response!.delayMs!);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(250);
    }
    records.forEach((record, index) => expect(record.response!.sentAt - record.receivedAt).toBeGreaterThanOrEqual(Math.floor(delays[index]!) - 1));
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it("holds the connection past the client's timeout, answering nothing, then drops it", async () => {
    emulator.addFault({ kind: "hold", ms: 400 });
    const timedOut = fetch(`${emulator.url}/user-attributes`, {
      method: "PATCH",
      headers: edgeHeaders("u2"),
      body: "{}",
      signal: AbortSignal.timeout(150),
    });
    await expect(timedOut).rejects.toMatchObject({ name: "TimeoutError" });
    const raw = await rawPatch(emulator);
    expect(raw.data).toBe("");
    expect(raw.elapsedMs).toBeGreaterThanOrEqual(390);
    expect(emulator.requests({ userUid: "u2" })[0]!.response).toMatchObject({ status: null, fault: "hold" });
  });

  it("defaults the hold to 12 s without keeping close() waiting", async () => {
    const separate = await startPersonalizeEmulator({ fixtures: fixtures() });
    const timersBefore = process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const rule = separate.addFault({ kind: "hold" });
    expect(rule).toMatchObject({ kind: "hold", ms: DEFAULT_HOLD_MS });
    expect(DEFAULT_HOLD_MS).toBe(12_000);
    const held = fetch(`${separate.url}/manifest`, { headers: edgeHeaders("u1") }).catch((error: unknown) => error);
    await eventually(() => separate.requests().length > 0);
    await separate.close();
    expect(await held).toBeInstanceOf(Error);
    // The 12 s hold timer is gone too, so it cannot keep a test runner or CLI process alive.
    expect(process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length).toBeLessThanOrEqual(timersBefore);
  });

  it("resets the connection with a TCP RST", async () => {
    emulator.addFault({ kind: "reset" });
    const raw = await rawPatch(emulator);
    expect(raw.data).toBe("");
    expect(raw.error?.code).toBe("ECONNRESET");
    const viaFetch = await patchAttributes(emulator, "u1", {}).catch((error: Error & { cause?: { code?: string } }) => error);
    expect(viaFetch).toBeInstanceOf(TypeError);
    expect((viaFetch as TypeError & { cause?: { code?: string } }).cause?.code).toBe("ECONNRESET");
    expect(emulator.requests({ userUid: "u1" })[0]!.response).toMatchObject({ status: null, fault: "reset" });
    expect(emulator.stats().routes[PATCH_ROUTE]!.responses).toEqual({ reset: 2 });
  });
});

describe("malformed 2xx", () => {
  it("answers 200 with a body that is not JSON", async () => {
    emulator.addFault({ route: "GET /manifest", kind: "malformed" });
    const response = await fetch(`${emulator.url}/manifest`, { headers: edgeHeaders("u1") });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("takes a status, body and content type", async () => {
    emulator.addFault({ kind: "malformed", status: 202, body: "<html>ok</html>", contentType: "text/html" });
    const response = await patchAttributes(emulator, "u1", { plan: "pro" });
    expect(response.status).toBe(202);
    expect(response.headers.get("content-type")).toBe("text/html");
    expect(await response.text()).toBe("<html>ok</html>");
    expect(emulator.userAttributes(PROJECT, "u1")).toBeUndefined();
  });
});
