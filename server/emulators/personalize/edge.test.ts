import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPersonalizeEmulator, type PersonalizeEmulator } from "./index.ts";
import { USER_EVENT_LIMIT } from "./project.ts";
import { edgeHeaders, fixtures, manifest, patchAttributes, PROJECT } from "./test-support.ts";

let emulator: PersonalizeEmulator;

beforeAll(async () => {
  emulator = await startPersonalizeEmulator({ fixtures: fixtures() });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("routing and errors", () => {
  it.each([
    ["GET", "/nope"],
    ["POST", "/manifest"],
    ["GET", "/user-attributes"],
    ["PATCH", "/user-attributes/"],
    ["PATCH", "//user-attributes"],
    ["PATCH", "/User-Attributes"],
  ])("answers %s %s with a 404 Personalize error", async (method, path) => {
    const response = await fetch(`${emulator.url}${path}`, { method, headers: edgeHeaders("u1"), body: method === "GET" ? undefined : "{}" });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: "personalize.ROUTE.NOT_FOUND", message: `No route for ${method} ${path}` });
  });

  it("answers an unknown or missing project on /manifest with MANIFEST.PROJECT_NOT_FOUND", async () => {
    const unknown = await manifest(emulator, "u1", "", "unknownproject0000000000");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: "personalize.MANIFEST.PROJECT_NOT_FOUND",
      message: "Project not found: unknownproject0000000000",
    });
    const missing = await fetch(`${emulator.url}/manifest`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe("personalize.MANIFEST.PROJECT_NOT_FOUND");
  });

  it("answers an unknown project on other routes with the configurable 404 or 400", async () => {
    const first = await patchAttributes(emulator, "u1", { plan: "pro" }, "unknownproject0000000000");
    expect(first.status).toBe(404);
    expect(((await first.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.PROJECT_NOT_FOUND");

    emulator.setDefaultStrictness({ unknownProjectStatus: 400 });
    const events = await fetch(`${emulator.url}/events`, { method: "POST", headers: edgeHeaders("u1", "unknownproject0000000000"), body: "[]" });
    expect(events.status).toBe(400);
    expect(((await events.json()) as { error: string }).error).toBe("personalize.EVENTS.PROJECT_NOT_FOUND");
  });
});

describe("GET /manifest", () => {
  it("echoes the user uid header and answers the exact body shape", async () => {
    const { status, response } = await manifest(emulator, "user-1");
    expect(status).toBe(200);
    expect(response.headers.get("x-cs-personalize-user-uid")).toBe("user-1");
    const raw = await (await fetch(`${emulator.url}/manifest`, { headers: edgeHeaders("user-1") })).text();
    expect(raw).toBe('{"experiences":[]}');
  });

  it("generates a UUID user uid when none is sent", async () => {
    const response = await fetch(`${emulator.url}/manifest`, { headers: { "x-project-uid": PROJECT } });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-cs-personalize-user-uid")).toMatch(UUID);
  });

  it("takes the user from x-cs-eclipse-user-uid alone", async () => {
    const response = await fetch(`${emulator.url}/manifest`, {
      headers: { "x-project-uid": PROJECT, "x-cs-eclipse-user-uid": "eclipse-user" },
    });
    expect(response.headers.get("x-cs-personalize-user-uid")).toBe("eclipse-user");
  });
});

describe("PATCH /user-attributes", () => {
  it("merges objects into the user's store and answers 200 with the documented text", async () => {
    const first = await patchAttributes(emulator, "u1", { plan: "free", lifetime_value: 10 });
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await first.text()).toBe("User Attributes added successfully");
    expect(first.headers.get("x-cs-personalize-user-uid")).toBeNull();

    await patchAttributes(emulator, "u1", { lifetime_value: 450, first_time_shopper: true });
    expect(emulator.userAttributes(PROJECT, "u1")).toEqual({ plan: "free", lifetime_value: 450, first_time_shopper: true });
    expect(emulator.userAttributes(PROJECT, "u2")).toBeUndefined();
  });

  it.each([
    ["application/json", "application/json"],
    ["text/plain (browser fetch of a string)", "text/plain;charset=UTF-8"],
    ["no Content-Type at all", undefined],
  ])("parses JSON sent as %s", async (_label, contentType) => {
    const response = await fetch(`${emulator.url}/user-attributes`, {
      method: "PATCH",
      headers: { ...edgeHeaders("u1"), ...(contentType ? { "content-type": contentType } : {}) },
      // A byte body makes fetch send no Content-Type of its own.
      body: new TextEncoder().encode('{"plan":"pro"}'),
    });
    expect(response.status).toBe(200);
    expect(emulator.userAttributes(PROJECT, "u1")).toEqual({ plan: "pro" });
    expect(emulator.requests({ path: "/user-attributes" })[0]!.headers["content-type"]).toBe(contentType);
  });

  it("reads headers case-insensitively and ignores headers it does not use", async () => {
    const response = await fetch(`${emulator.url}/user-attributes`, {
      method: "PATCH",
      headers: {
        "X-Project-Uid": PROJECT,
        "X-CS-Personalize-User-Uid": "MixedCase",
        Authorization: "Bearer whatever",
        organization_uid: "org",
        "X-User-Agent": "personalize-edge-sdk-js/1.0.27",
        "User-Agent": "Segment (Actions)",
      },
      body: '{"plan":"pro"}',
    });
    expect(response.status).toBe(200);
    expect(emulator.userAttributes(PROJECT, "MixedCase")).toEqual({ plan: "pro" });
  });

  it.each([
    ["an array", "[1,2]"],
    ["a string", '"plan"'],
    ["null", "null"],
    ["invalid JSON", "{plan:"],
    ["an empty body", ""],
  ])("rejects %s with 400 INVALID_BODY and stores nothing", async (_label, body) => {
    const response = await fetch(`${emulator.url}/user-attributes`, { method: "PATCH", headers: edgeHeaders("u1"), body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.INVALID_BODY");
    expect(emulator.userAttributes(PROJECT, "u1")).toBeUndefined();
  });

  it("generates a user uid when no user header is sent, and returns it", async () => {
    const response = await fetch(`${emulator.url}/user-attributes`, { method: "PATCH", headers: edgeHeaders(), body: '{"plan":"pro"}' });
    expect(response.status).toBe(200);
    const generated = response.headers.get("x-cs-personalize-user-uid");
    expect(generated).toMatch(UUID);
    expect(emulator.userAttributes(PROJECT, generated!)).toEqual({ plan: "pro" });
  });

  it("stores a __proto__ key as a plain attribute", async () => {
    await fetch(`${emulator.url}/user-attributes`, { method: "PATCH", headers: edgeHeaders("u1"), body: '{"__proto__":{"x":1},"plan":"a"}' });
    const stored = emulator.userAttributes(PROJECT, "u1")!;
    expect(Object.keys(stored)).toEqual(["__proto__", "plan"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("POST /user-attributes/actions/merge", () => {
  it("copies the source's attributes onto the target, the source winning, with only x-project-uid", async () => {
    await patchAttributes(emulator, "anon", { plan: "trial", email_domain: "example.com" });
    await patchAttributes(emulator, "known", { plan: "pro", lifetime_value: 300 });
    const response = await fetch(`${emulator.url}/user-attributes/actions/merge`, {
      method: "POST",
      headers: { "x-project-uid": PROJECT },
      body: JSON.stringify({ sourceUserUid: "anon", targetUserUid: "known" }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("User Attributes merged successfully");
    expect(emulator.userAttributes(PROJECT, "known")).toEqual({ plan: "trial", lifetime_value: 300, email_domain: "example.com" });
    expect(emulator.userAttributes(PROJECT, "anon")).toEqual({ plan: "trial", email_domain: "example.com" });
  });

  it.each([['{"sourceUserUid":"a"}'], ['{"sourceUserUid":"","targetUserUid":"b"}'], ["[]"]])("rejects %s", async (body) => {
    const response = await fetch(`${emulator.url}/user-attributes/actions/merge`, { method: "POST", headers: edgeHeaders(), body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.INVALID_BODY");
  });
});

describe("POST /events", () => {
  const postEvents = (body: string, headers = edgeHeaders("u1")) =>
    fetch(`${emulator.url}/events`, { method: "POST", headers, body });

  it("stores mixed EVENT and IMPRESSION items for the user", async () => {
    const response = await postEvents(
      JSON.stringify([
        { eventKey: "Order Completed", type: "EVENT" },
        { experienceShortUid: "0", variantShortUid: "1", type: "IMPRESSION" },
      ]),
    );
    expect(response.status).toBe(200);
    const events = emulator.userEvents(PROJECT, "u1")!;
    expect(events.map(({ receivedAt: _receivedAt, ...event }) => event)).toEqual([
      { type: "EVENT", eventKey: "Order Completed" },
      { type: "IMPRESSION", experienceShortUid: "0", variantShortUid: "1" },
    ]);
    const request = emulator.requests({ path: "/events" }).at(-1)!;
    expect(events[0]!.receivedAt).toBe(request.receivedAt);
  });

  it("keeps each user's newest USER_EVENT_LIMIT events", async () => {
    const items = Array.from({ length: USER_EVENT_LIMIT + 5 }, (_, index) => ({ eventKey: `e${index}`, type: "EVENT" }));
    expect((await postEvents(JSON.stringify(items))).status).toBe(200);
    const stored = emulator.userEvents(PROJECT, "u1")!;
    expect(stored).toHaveLength(USER_EVENT_LIMIT);
    expect(stored[0]).toMatchObject({ eventKey: "e5" });
    expect(stored.at(-1)).toMatchObject({ eventKey: `e${USER_EVENT_LIMIT + 4}` });
  });

  it("requires a user header", async () => {
    const response = await postEvents('[{"eventKey":"clickCTA","type":"EVENT"}]', edgeHeaders());
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("personalize.EVENTS.USER_UID_REQUIRED");
  });

  it.each([
    ['{"eventKey":"clickCTA","type":"EVENT"}', "personalize.EVENTS.INVALID_BODY", "must be a JSON array"],
    ['[{"eventKey":"clickCTA"}]', "personalize.EVENTS.INVALID_EVENT", "Item 0: type must be"],
    ['[{"type":"EVENT","eventKey":"a"},{"type":"EVENT"}]', "personalize.EVENTS.INVALID_EVENT", "Item 1: eventKey"],
    ['[{"type":"IMPRESSION","experienceShortUid":"0"}]', "personalize.EVENTS.INVALID_EVENT", "Item 0: experienceShortUid"],
  ])("rejects %s", async (body, error, message) => {
    const response = await postEvents(body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: string; message: string };
    expect(json.error).toBe(error);
    expect(json.message).toContain(message);
    expect(emulator.userEvents(PROJECT, "u1")).toBeUndefined();
  });
});

describe("strictness toggles", () => {
  it("rejectUndefinedAttributes rejects keys without a definition, storing nothing", async () => {
    expect((await patchAttributes(emulator, "u1", { undefined_key: 1 })).status).toBe(200);
    emulator.setStrictness(PROJECT, { rejectUndefinedAttributes: true });
    const rejected = await patchAttributes(emulator, "u2", { plan: "pro", undefined_key: 1, other: 2 });
    expect(rejected.status).toBe(400);
    expect(await rejected.json()).toEqual({
      error: "personalize.USER_ATTRIBUTES.ATTRIBUTE_NOT_FOUND",
      message: "No attribute defined for key(s): undefined_key, other",
    });
    expect(emulator.userAttributes(PROJECT, "u2")).toBeUndefined();
    expect((await patchAttributes(emulator, "u2", { plan: "pro" })).status).toBe(200);
  });

  it("rejectUnknownEventKeys rejects EVENT items whose key is not defined", async () => {
    emulator.setStrictness(PROJECT, { rejectUnknownEventKeys: true });
    const post = (eventKey: string) =>
      fetch(`${emulator.url}/events`, { method: "POST", headers: edgeHeaders("u1"), body: JSON.stringify([{ eventKey, type: "EVENT" }]) });
    const rejected = await post("order completed");
    expect(rejected.status).toBe(400);
    expect(((await rejected.json()) as { error: string }).error).toBe("personalize.EVENTS.EVENT_NOT_FOUND");
    expect((await post("Order Completed")).status).toBe(200);
  });

  it.each([
    ["an object", '{"plan":{"tier":"pro"}}'],
    ["an array", '{"plan":["pro"]}'],
    ["null", '{"plan":null}'],
    ["a non-finite number", '{"lifetime_value":1e999}'],
  ])("checkValueTypes rejects %s, which is stored otherwise", async (_label, body) => {
    const send = (user: string) => fetch(`${emulator.url}/user-attributes`, { method: "PATCH", headers: edgeHeaders(user), body });
    expect((await send("lenient")).status).toBe(200);
    expect(emulator.userAttributes(PROJECT, "lenient")).toEqual(JSON.parse(body));
    emulator.setStrictness(PROJECT, { checkValueTypes: true });
    const rejected = await send("strict");
    expect(rejected.status).toBe(400);
    expect(((await rejected.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.INVALID_ATTRIBUTE_VALUE");
    expect((await patchAttributes(emulator, "strict", { plan: "pro", lifetime_value: 1.5, first_time_shopper: false })).status).toBe(200);
  });

  it("requireUserHeaderOnPatch rejects a PATCH without user header", async () => {
    emulator.setStrictness(PROJECT, { requireUserHeaderOnPatch: true });
    const response = await fetch(`${emulator.url}/user-attributes`, { method: "PATCH", headers: edgeHeaders(), body: "{}" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.USER_UID_REQUIRED");
  });

  it("requireJsonContentType answers 415 unless Content-Type is application/json", async () => {
    emulator.setStrictness(PROJECT, { requireJsonContentType: true });
    const send = (contentType: string) =>
      fetch(`${emulator.url}/user-attributes`, { method: "PATCH", headers: { ...edgeHeaders("u1"), "content-type": contentType }, body: "{}" });
    const rejected = await send("text/plain;charset=UTF-8");
    expect(rejected.status).toBe(415);
    expect(((await rejected.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.UNSUPPORTED_MEDIA_TYPE");
    expect((await send("Application/JSON; charset=utf-8")).status).toBe(200);
  });

  it("eclipseHeader 'ignore' treats x-cs-eclipse-user-uid as absent", async () => {
    emulator.setStrictness(PROJECT, { eclipseHeader: "ignore" });
    const headers = { "x-project-uid": PROJECT, "x-cs-eclipse-user-uid": "eclipse-user" };
    const patch = await fetch(`${emulator.url}/user-attributes`, { method: "PATCH", headers, body: '{"plan":"a"}' });
    expect(patch.headers.get("x-cs-personalize-user-uid")).toMatch(UUID);
    expect(emulator.userAttributes(PROJECT, "eclipse-user")).toBeUndefined();
    const events = await fetch(`${emulator.url}/events`, { method: "POST", headers, body: "[]" });
    expect(events.status).toBe(400);
  });

  it("eclipseHeader 'reject' answers 400 when the legacy header is sent", async () => {
    emulator.setStrictness(PROJECT, { eclipseHeader: "reject" });
    const response = await patchAttributes(emulator, "u1", { plan: "a" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.UNSUPPORTED_HEADER");
  });

  it("differingUserHeaders picks the personalize header, the eclipse header, or rejects", async () => {
    const send = () =>
      fetch(`${emulator.url}/user-attributes`, {
        method: "PATCH",
        headers: { "x-project-uid": PROJECT, "x-cs-personalize-user-uid": "p-user", "x-cs-eclipse-user-uid": "e-user" },
        body: '{"plan":"a"}',
      });
    await send();
    expect(emulator.userAttributes(PROJECT, "p-user")).toEqual({ plan: "a" });
    expect(emulator.userAttributes(PROJECT, "e-user")).toBeUndefined();

    emulator.setStrictness(PROJECT, { differingUserHeaders: "prefer-eclipse" });
    await send();
    expect(emulator.userAttributes(PROJECT, "e-user")).toEqual({ plan: "a" });

    emulator.setStrictness(PROJECT, { differingUserHeaders: "reject" });
    const rejected = await send();
    expect(rejected.status).toBe(400);
    expect(((await rejected.json()) as { error: string }).error).toBe("personalize.USER_ATTRIBUTES.CONFLICTING_USER_UID");
  });

  it("success statuses: 204 and 202 with empty bodies", async () => {
    emulator.setStrictness(PROJECT, { userAttributesSuccessStatus: 204, mergeSuccessStatus: 204, eventsSuccessStatus: 202 });
    const patch = await patchAttributes(emulator, "u1", { plan: "a" });
    expect(patch.status).toBe(204);
    expect(await patch.text()).toBe("");
    const merge = await fetch(`${emulator.url}/user-attributes/actions/merge`, {
      method: "POST",
      headers: edgeHeaders(),
      body: '{"sourceUserUid":"u1","targetUserUid":"u2"}',
    });
    expect(merge.status).toBe(204);
    const events = await fetch(`${emulator.url}/events`, { method: "POST", headers: edgeHeaders("u1"), body: "[]" });
    expect(events.status).toBe(202);
    expect(await events.text()).toBe("");
    expect(emulator.userAttributes(PROJECT, "u2")).toEqual({ plan: "a" });
  });

  it("rejects unknown toggles and values", () => {
    expect(() => emulator.setStrictness(PROJECT, { eclipseHeader: "maybe" as "accept" })).toThrow(/eclipseHeader/);
    expect(() => emulator.setStrictness(PROJECT, { noSuchToggle: true } as object)).toThrow(/noSuchToggle/);
    expect(() => emulator.setStrictness("missingproject0000000000", {})).toThrow(/no project/);
  });
});
