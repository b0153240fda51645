import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../../testing/harness.ts";
import { startPersonalizeEmulator, type PersonalizeEmulator, type RecordedRequest } from "./index.ts";
import { edgeHeaders, fixtures, OTHER_PROJECT, patchAttributes, project, PROJECT, TOKEN } from "./test-support.ts";

let emulator: PersonalizeEmulator;

beforeAll(async () => {
  emulator = await startPersonalizeEmulator({ fixtures: fixtures() });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

function control(method: string, path: string, body?: unknown) {
  return fetch(`${emulator.controlUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe("recording", () => {
  it("records method, path, raw query, lower-cased headers, raw body, receive time and the response", async () => {
    const before = Date.now();
    const body = '{"plan":"pro",  "spaced": true}';
    await fetch(`${emulator.url}/user-attributes?debug=1&x=%20`, {
      method: "PATCH",
      headers: { "X-Project-Uid": PROJECT, "X-CS-Eclipse-User-Uid": "u1", "Content-Type": "text/plain;charset=UTF-8" },
      body,
    });
    const [record] = emulator.requests();
    expect(record).toMatchObject({
      method: "PATCH",
      path: "/user-attributes",
      query: "debug=1&x=%20",
      body,
      route: "PATCH /user-attributes",
      projectUid: PROJECT,
      userUid: "u1",
      headers: { "x-project-uid": PROJECT, "x-cs-eclipse-user-uid": "u1", "content-type": "text/plain;charset=UTF-8" },
      response: {
        status: 200,
        body: "User Attributes added successfully",
        headers: { "content-type": "text/plain; charset=utf-8" },
        fault: null,
      },
    });
    expect(record!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(record!.response!.sentAt).toBeGreaterThanOrEqual(record!.receivedAt);
  });

  it("records the uid generated for a user-less request and unmatched paths", async () => {
    const manifest = await fetch(`${emulator.url}/manifest`, { headers: { "x-project-uid": PROJECT } });
    await fetch(`${emulator.url}/unknown`);
    const [first, second] = emulator.requests();
    expect(first!.userUid).toBe(manifest.headers.get("x-cs-personalize-user-uid"));
    expect(first!.response!.headers["x-cs-personalize-user-uid"]).toBe(first!.userUid);
    expect(second).toMatchObject({ route: null, path: "/unknown", response: { status: 404 } });
  });

  it("filters over HTTP by path, user, project and since", async () => {
    await patchAttributes(emulator, "alice", {});
    await patchAttributes(emulator, "bob", {}, OTHER_PROJECT);
    const since = emulator.requests().at(-1)!.receivedAt + 1;
    await eventually(() => Date.now() >= since);
    await fetch(`${emulator.url}/events`, { method: "POST", headers: edgeHeaders("alice"), body: "[]" });

    const query = async (search: string) =>
      ((await (await control("GET", `/requests${search}`)).json()) as RecordedRequest[]).map((r) => `${r.path} ${r.userUid}`);
    expect(await query("")).toEqual(["/user-attributes alice", "/user-attributes bob", "/events alice"]);
    expect(await query("?path=/events")).toEqual(["/events alice"]);
    expect(await query("?userUid=alice")).toEqual(["/user-attributes alice", "/events alice"]);
    expect(await query(`?projectUid=${OTHER_PROJECT}`)).toEqual(["/user-attributes bob"]);
    expect(await query(`?since=${since}`)).toEqual(["/events alice"]);
    expect(await query(`?since=${new Date(since).toISOString()}&userUid=alice`)).toEqual(["/events alice"]);
    const bad = await control("GET", "/requests?since=yesterday");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "emulator.INVALID_INPUT", message: "since: must be epoch milliseconds or an ISO-8601 date" });
  });

  it("does not record or count control requests", async () => {
    await control("GET", "/stats");
    await control("GET", "/requests");
    expect(emulator.requests()).toEqual([]);
    expect(emulator.stats().requests).toBe(0);
  });

  it("keeps only the newest recordLimit requests, while counters keep counting", async () => {
    const small = await startPersonalizeEmulator({ fixtures: fixtures(), recordLimit: 3 });
    const off = await startPersonalizeEmulator({ fixtures: fixtures(), recordLimit: 0 });
    try {
      for (let index = 0; index < 5; index++) {
        await patchAttributes(small, `u${index}`, {});
        await patchAttributes(off, `u${index}`, {});
      }
      expect(small.requests().map((r) => r.userUid)).toEqual(["u2", "u3", "u4"]);
      expect(small.stats()).toMatchObject({ requests: 5, recorded: 3, droppedRecords: 2 });
      expect(off.requests()).toEqual([]);
      expect(off.stats()).toMatchObject({ requests: 5, recorded: 0, routes: { "PATCH /user-attributes": { requests: 5, responses: { "200": 5 } } } });
    } finally {
      await Promise.all([small.close(), off.close()]);
    }
  });
});

describe("control API", () => {
  it("GET /users/:projectUid/:userUid returns attributes and events, 404 for unknown users", async () => {
    await patchAttributes(emulator, "user/1", { plan: "pro" });
    await fetch(`${emulator.url}/events`, { method: "POST", headers: edgeHeaders("user/1"), body: '[{"eventKey":"clickCTA","type":"EVENT"}]' });
    const response = await control("GET", `/users/${PROJECT}/${encodeURIComponent("user/1")}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      attributes: { plan: "pro" },
      events: [{ type: "EVENT", eventKey: "clickCTA", receivedAt: expect.any(Number) }],
    });
    expect((await control("GET", `/users/${PROJECT}/nobody`)).status).toBe(404);
  });

  it("GET /stats counts requests and outcomes per route", async () => {
    await patchAttributes(emulator, "u1", {});
    await patchAttributes(emulator, "u1", []);
    await fetch(`${emulator.url}/manifest`, { headers: edgeHeaders("u1") });
    await fetch(`${emulator.url}/nope`);
    expect(await (await control("GET", "/stats")).json()).toEqual({
      requests: 4,
      recorded: 4,
      droppedRecords: 0,
      routes: {
        "PATCH /user-attributes": { requests: 2, responses: { "200": 1, "400": 1 } },
        "GET /manifest": { requests: 1, responses: { "200": 1 } },
        unmatched: { requests: 1, responses: { "404": 1 } },
      },
      projects: 1,
      users: 1,
      faults: 0,
    });
  });

  it("POST /fixtures loads projects and reports field errors", async () => {
    const loaded = await control("POST", "/fixtures", {
      projects: [project({ uid: OTHER_PROJECT, attributes: [{ key: "tier" }] })],
      strictness: { rejectUndefinedAttributes: true },
    });
    expect(loaded.status).toBe(200);
    expect(await loaded.json()).toEqual({ projects: [OTHER_PROJECT] });
    expect((await patchAttributes(emulator, "u1", { tier: "gold" }, OTHER_PROJECT)).status).toBe(200);
    expect((await patchAttributes(emulator, "u1", { plan: "gold" }, OTHER_PROJECT)).status).toBe(400);
    expect((await patchAttributes(emulator, "u1", { undefined_key: 1 })).status).toBe(400);

    const invalid = await control("POST", "/fixtures", { projects: [{ uid: PROJECT, attributes: [{ name: "no key" }] }] });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { message: string }).message).toMatch(/^projects\[0\]\.attributes\[0\]\.key: /);
    expect((await control("POST", "/fixtures", "{not json")).status).toBe(400);
  });

  it("POST /faults adds one or many rules and DELETE /faults clears them", async () => {
    const added = await control("POST", "/faults", [
      { route: "PATCH /user-attributes", kind: "status", status: 503, times: 1 },
      { route: "GET /manifest", kind: "rate-limit", retryAfterSeconds: 2 },
    ]);
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual([
      { id: "fault-1", route: "PATCH /user-attributes", kind: "status", status: 503, times: 1 },
      { id: "fault-2", route: "GET /manifest", kind: "rate-limit", retryAfterSeconds: 2, retryAfterFormat: "seconds" },
    ]);
    expect((await patchAttributes(emulator, "u1", {})).status).toBe(503);
    expect((await fetch(`${emulator.url}/manifest`, { headers: edgeHeaders("u1") })).status).toBe(429);
    expect((await control("DELETE", "/faults")).status).toBe(204);
    expect((await fetch(`${emulator.url}/manifest`, { headers: edgeHeaders("u1") })).status).toBe(200);

    const single = await control("POST", "/faults", { kind: "reset", userUid: "u9" });
    expect(((await single.json()) as Array<{ kind: string }>)[0]!.kind).toBe("reset");
    const invalid = await control("POST", "/faults", { kind: "explode" });
    expect(invalid.status).toBe(400);
  });

  it("POST /strictness and /strictness/:projectUid set default and project toggles", async () => {
    const defaults = await control("POST", "/strictness", { unknownProjectStatus: 400 });
    expect(await defaults.json()).toMatchObject({ unknownProjectStatus: 400, rejectUndefinedAttributes: false });
    const perProject = await control("POST", `/strictness/${PROJECT}`, { userAttributesSuccessStatus: 204 });
    expect(await perProject.json()).toMatchObject({ unknownProjectStatus: 400, userAttributesSuccessStatus: 204 });
    expect((await patchAttributes(emulator, "u1", {})).status).toBe(204);
    expect((await patchAttributes(emulator, "u1", {}, "unknownproject0000000000")).status).toBe(400);
    expect((await control("POST", "/strictness/unknownproject0000000000", {})).status).toBe(400);
  });

  it("POST /reset returns to the start fixtures: no users, records, faults, created definitions or toggles", async () => {
    await patchAttributes(emulator, "u1", { plan: "pro" });
    emulator.addFault({ route: "GET /manifest", kind: "status", status: 500 });
    emulator.setStrictness(PROJECT, { userAttributesSuccessStatus: 204 });
    await fetch(`${emulator.managementUrl}/attributes`, {
      method: "POST",
      headers: { authtoken: TOKEN, "x-project-uid": PROJECT },
      body: '{"name":"Extra","key":"extra"}',
    });
    emulator.loadFixtures({ projects: [project({ uid: OTHER_PROJECT })] });

    expect((await control("POST", "/reset")).status).toBe(204);

    expect(emulator.userAttributes(PROJECT, "u1")).toBeUndefined();
    expect(emulator.requests()).toEqual([]);
    expect(emulator.stats()).toMatchObject({ requests: 0, projects: 1, users: 0, faults: 0, routes: {} });
    expect((await fetch(`${emulator.url}/manifest`, { headers: edgeHeaders("u1") })).status).toBe(200);
    expect((await patchAttributes(emulator, "u1", {})).status).toBe(200);
    const attributes = (await (
      await fetch(`${emulator.managementUrl}/attributes`, { headers: { authtoken: TOKEN, "x-project-uid": PROJECT } })
    ).json()) as Array<{ key: string }>;
    expect(attributes.map((a) => a.key)).not.toContain("extra");
  });

  it("answers unknown control routes with 404", async () => {
    const response = await control("GET", "/nothing");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe("emulator.NOT_FOUND");
  });
});
