import { describe, expect, test } from "vitest";
import { configurationSchema, type ConfigurationInput } from "../../src/shared/installation-config";
import { mapEvent } from "./map-event";
import type { SegmentEvent } from "./types";

const T = "2026-05-06T09:30:22.829Z";

function configWith(input: ConfigurationInput = {}) {
  return configurationSchema.parse(input);
}

describe("identify → attributes through mapping rows", () => {
  const config = configWith({
    attributeMappings: [
      { id: "name", source: "traits.name", attribute: "name", type: "string" },
      { id: "age", source: "traits.age", attribute: "age", type: "number" },
      { id: "vip", source: "traits.vip", attribute: "vip", type: "boolean" },
      { id: "signup", source: "traits.signedUpAt", attribute: "signed_up_at", type: "date" },
      { id: "score", source: "traits.score", attribute: "score_label", type: "string" },
      { id: "city", source: "traits.address.city", attribute: "city" },
      { id: "plan", source: "traits.plan", attribute: "plan", type: "string", defaultValue: "free" },
      { id: "tier", source: "traits.tier", attribute: "tier", type: "number", defaultValue: "1" },
      { id: "tags", source: "traits.tags", attribute: "tags" },
      { id: "height", source: "traits.height", attribute: "height", type: "number", defaultValue: "0" },
      { id: "nickname", source: "traits.nickname", attribute: "nickname" },
      { id: "missing", source: "traits.missing", attribute: "missing" },
      { id: "locale", source: "traits.locale", attribute: "locale", type: "boolean", defaultValue: "maybe" },
      { id: "email", source: "context.traits.email", attribute: "email" },
      { id: "off", enabled: false, source: "traits.name", attribute: "disabled_name" },
      { id: "revenue", source: "properties.revenue", attribute: "revenue", defaultValue: "0" },
    ],
  });

  test("coerces each row by type, applies defaults and notes every drop", () => {
    const event: SegmentEvent = {
      type: "identify",
      userId: "u1",
      anonymousId: "a1",
      traits: {
        name: "Ada",
        age: "42",
        vip: "TRUE",
        signedUpAt: "2024-03-01T10:00:00+02:00",
        score: 7,
        address: { city: "Paris", zip: "75001" },
        plan: null,
        tags: ["a", "b"],
        height: "tall",
        nickname: null,
      },
      context: { traits: { email: "ada@example.com" } },
      timestamp: T,
      messageId: "m1",
    };
    expect(mapEvent(event, config)).toEqual({
      userUid: "u1",
      operations: [
        {
          kind: "attributes",
          userUid: "u1",
          attributes: {
            name: "Ada",
            age: 42,
            vip: true,
            signed_up_at: "2024-03-01T08:00:00.000Z",
            score_label: "7",
            city: "Paris",
            plan: "free",
            tier: 1,
            email: "ada@example.com",
          },
          sources: {
            name: "row:name",
            age: "row:age",
            vip: "row:vip",
            signed_up_at: "row:signup",
            score_label: "row:score",
            city: "row:city",
            plan: "default:plan",
            tier: "default:tier",
            email: "row:email",
          },
          timestamp: T,
        },
      ],
      filtered: null,
      notes: [
        "row:tags (traits.tags → tags): an array, dropped",
        'row:height (traits.height → height): "tall" is not a number, dropped',
        "row:nickname (traits.nickname → nickname): null, dropped",
        'default:locale (→ locale): "maybe" is not a boolean, dropped',
      ],
      engage: null,
    });
  });

  test("a nested object where a scalar is expected is dropped, never stringified", () => {
    const event: SegmentEvent = { type: "identify", userId: "u1", traits: { name: { first: "Ada" } }, timestamp: T };
    const result = mapEvent(event, config);
    expect(result.operations[0]).toMatchObject({ attributes: { plan: "free", tier: 1 } });
    expect(result.operations[0]).not.toHaveProperty("attributes.name");
    expect(result.notes).toEqual([
      "row:name (traits.name → name): a nested object, dropped",
      'default:locale (→ locale): "maybe" is not a boolean, dropped',
    ]);
  });

  test("the timestamp is normalised to ISO UTC, falling back to originalTimestamp then receivedAt", () => {
    const base: SegmentEvent = { type: "identify", userId: "u1", traits: { name: "Ada" } };
    const at = (event: SegmentEvent) => mapEvent(event, config).operations.map((op) => "timestamp" in op && op.timestamp);
    expect(at({ ...base, timestamp: "2026-05-06T11:30:22+02:00" })).toEqual(["2026-05-06T09:30:22.000Z"]);
    expect(at({ ...base, timestamp: "nonsense", originalTimestamp: "2026-05-06T09:00:00Z" })).toEqual([
      "2026-05-06T09:00:00.000Z",
    ]);
    expect(at({ ...base, receivedAt: "2026-05-06T08:00:00.000Z" })).toEqual(["2026-05-06T08:00:00.000Z"]);
  });

  test("without any valid timestamp the attributes are dropped with a reason", () => {
    const result = mapEvent({ type: "identify", userId: "u1", traits: { name: "Ada" } }, configWith({
      attributeMappings: [{ id: "name", source: "traits.name", attribute: "name" }],
    }));
    expect(result).toEqual({
      userUid: "u1",
      operations: [],
      filtered: { reason: "no valid timestamp, originalTimestamp, receivedAt" },
      notes: ["attributes name dropped: no valid timestamp, originalTimestamp, receivedAt"],
      engage: null,
    });
  });
});

describe("source paths", () => {
  test("a path walks only own keys of nested objects, not into strings, arrays or prototypes", () => {
    const config = configWith({
      attributeMappings: [
        { id: "len", source: "traits.name.length", attribute: "name_length", defaultValue: "none" },
        { id: "ctor", source: "traits.constructor", attribute: "ctor", defaultValue: "none" },
        { id: "first", source: "traits.tags.0", attribute: "first_tag", defaultValue: "none" },
        { id: "deep", source: "traits.a.b.c", attribute: "deep" },
      ],
    });
    const event: SegmentEvent = { type: "identify", userId: "u1", traits: { name: "Ada", tags: ["x"], a: { b: { c: 3 } } }, timestamp: T };
    expect(mapEvent(event, config).operations).toEqual([
      {
        kind: "attributes",
        userUid: "u1",
        attributes: { name_length: "none", ctor: "none", first_tag: "none", deep: 3 },
        sources: { name_length: "default:len", ctor: "default:ctor", first_tag: "default:first", deep: "row:deep" },
        timestamp: T,
      },
    ]);
  });

  test("a __proto__ trait stays an ordinary key in the outgoing JSON", () => {
    const event = JSON.parse(
      `{"type":"identify","userId":"u1","timestamp":"${T}","traits":{"__proto__":"x","plan":"pro"}}`,
    ) as SegmentEvent;
    const [operation] = mapEvent(event, configWith({ unmappedTraits: "passthrough" })).operations;
    expect(operation.kind === "attributes" && JSON.stringify(operation.attributes)).toBe('{"__proto__":"x","plan":"pro"}');
  });
});

describe("unmapped traits", () => {
  const rows = [
    { id: "fn", source: "traits.firstName", attribute: "first_name" },
    { id: "city", source: "traits.address.city", attribute: "city" },
    { id: "plan", source: "context.traits.plan", attribute: "plan" },
  ];
  const identify: SegmentEvent = {
    type: "identify",
    userId: "u1",
    traits: {
      firstName: "Ada",
      email: "ada@example.com",
      age: 36,
      vip: true,
      address: { city: "Paris" },
      company: { name: "ACME" },
      tags: ["a"],
      nickname: null,
      audience_key: "vip",
      trait_key: "ltv",
      plan: "pro",
    },
    context: { traits: { plan: "team" } },
    timestamp: T,
  };

  test("passthrough sends scalar traits; consumed keys, nested, arrays, null and helper keys are not sent", () => {
    expect(mapEvent(identify, configWith({ attributeMappings: rows, unmappedTraits: "passthrough" }))).toEqual({
      userUid: "u1",
      operations: [
        {
          kind: "attributes",
          userUid: "u1",
          attributes: { first_name: "Ada", city: "Paris", plan: "team", email: "ada@example.com", age: 36, vip: true },
          sources: {
            first_name: "row:fn",
            city: "row:city",
            plan: "row:plan",
            email: "passthrough:traits.email",
            age: "passthrough:traits.age",
            vip: "passthrough:traits.vip",
          },
          timestamp: T,
        },
      ],
      filtered: null,
      notes: [
        "passthrough:traits.company: a nested object, dropped",
        "passthrough:traits.tags: an array, dropped",
        "passthrough:traits.nickname: null, dropped",
        "passthrough:traits.audience_key: Engage helper key, dropped",
        "passthrough:traits.trait_key: Engage helper key, dropped",
        'passthrough:traits.plan: attribute "plan" already set by row:plan, dropped',
      ],
      engage: null,
    });
  });

  test("drop sends only mapped rows", () => {
    const result = mapEvent(identify, configWith({ attributeMappings: rows, unmappedTraits: "drop" }));
    expect(result.operations).toEqual([
      {
        kind: "attributes",
        userUid: "u1",
        attributes: { first_name: "Ada", city: "Paris", plan: "team" },
        sources: { first_name: "row:fn", city: "row:city", plan: "row:plan" },
        timestamp: T,
      },
    ]);
    expect(result.notes).toEqual([]);
  });

  test("drop with no rows filters the identify", () => {
    expect(mapEvent(identify, configWith())).toEqual({
      userUid: "u1",
      operations: [],
      filtered: { reason: "identify mapped no attributes" },
      notes: [],
      engage: null,
    });
  });

  test("track passes properties through, not context.traits", () => {
    const track: SegmentEvent = {
      type: "track",
      userId: "u1",
      event: "Order Completed",
      properties: { revenue: 99.5, currency: "EUR", products: [{ sku: "A" }], audience_key: "vip" },
      context: { traits: { email: "ada@example.com" } },
      timestamp: T,
    };
    expect(mapEvent(track, configWith({ unmappedTraits: "passthrough" }))).toEqual({
      userUid: "u1",
      operations: [
        {
          kind: "attributes",
          userUid: "u1",
          attributes: { revenue: 99.5, currency: "EUR" },
          sources: { revenue: "passthrough:properties.revenue", currency: "passthrough:properties.currency" },
          timestamp: T,
        },
      ],
      filtered: null,
      notes: [
        "passthrough:properties.products: an array, dropped",
        "passthrough:properties.audience_key: Engage helper key, dropped",
      ],
      engage: null,
    });
  });

  test("page properties are not passed through", () => {
    const page: SegmentEvent = { type: "page", userId: "u1", name: "Pricing", properties: { path: "/pricing" }, timestamp: T };
    expect(mapEvent(page, configWith({ unmappedTraits: "passthrough" })).filtered).toEqual({
      reason: 'no mapping matched page "Pricing"',
    });
  });

  test("properties rows apply to page and screen, traits rows do not", () => {
    const config = configWith({
      attributeMappings: [
        { id: "path", source: "properties.path", attribute: "last_path" },
        { id: "name", source: "traits.name", attribute: "name", defaultValue: "nobody" },
      ],
    });
    const page: SegmentEvent = { type: "page", userId: "u1", name: "Pricing", properties: { path: "/pricing" }, timestamp: T };
    expect(mapEvent(page, config).operations).toEqual([
      { kind: "attributes", userUid: "u1", attributes: { last_path: "/pricing" }, sources: { last_path: "row:path" }, timestamp: T },
    ]);
    const screen: SegmentEvent = { type: "screen", userId: "u1", name: "Home", properties: { path: "home" }, timestamp: T };
    expect(mapEvent(screen, config).operations).toEqual([
      { kind: "attributes", userUid: "u1", attributes: { last_path: "home" }, sources: { last_path: "row:path" }, timestamp: T },
    ]);
  });
});

describe("track/page/screen → events", () => {
  const config = configWith({
    eventMappings: [
      {
        id: "purchase",
        source: "track",
        segmentEvent: "Order Completed",
        personalizeEvent: "purchase",
        condition: "properties.revenue > 100",
      },
      { id: "any", source: "track", segmentEvent: "*", personalizeEvent: "any_track" },
      {
        id: "fr_eur",
        source: "track",
        segmentEvent: "Order Completed",
        personalizeEvent: "fr_eur_order",
        condition: 'properties.currency = "EUR" and context.traits.country = "FR"',
      },
      { id: "pricing", source: "page", segmentEvent: "Pricing", personalizeEvent: "viewed_pricing" },
      { id: "app", source: "screen", segmentEvent: "*", personalizeEvent: "app_screen" },
      { id: "off", enabled: false, source: "track", segmentEvent: "*", personalizeEvent: "never" },
    ],
  });
  const order = (revenue: number): SegmentEvent => ({
    type: "track",
    userId: "u1",
    event: "Order Completed",
    properties: { revenue, currency: "EUR" },
    context: { traits: { country: "FR" } },
    timestamp: T,
  });

  test("every matching row whose condition holds yields one event, in row order", () => {
    expect(mapEvent(order(150), config)).toEqual({
      userUid: "u1",
      operations: [
        { kind: "event", userUid: "u1", eventKey: "purchase", source: "row:purchase" },
        { kind: "event", userUid: "u1", eventKey: "any_track", source: "row:any" },
        { kind: "event", userUid: "u1", eventKey: "fr_eur_order", source: "row:fr_eur" },
      ],
      filtered: null,
      notes: [],
      engage: null,
    });
  });

  test("a false condition skips its row with a note", () => {
    expect(mapEvent(order(50), config)).toEqual({
      userUid: "u1",
      operations: [
        { kind: "event", userUid: "u1", eventKey: "any_track", source: "row:any" },
        { kind: "event", userUid: "u1", eventKey: "fr_eur_order", source: "row:fr_eur" },
      ],
      filtered: null,
      notes: ['row:purchase (track "Order Completed" → purchase): condition properties.revenue > 100 is false'],
      engage: null,
    });
  });

  test("a track no row matches is filtered", () => {
    const onlyNamed = configWith({
      eventMappings: [{ id: "purchase", source: "track", segmentEvent: "Order Completed", personalizeEvent: "purchase" }],
    });
    expect(mapEvent({ type: "track", userId: "u1", event: "Foo", timestamp: T }, onlyNamed)).toEqual({
      userUid: "u1",
      operations: [],
      filtered: { reason: 'no mapping matched track "Foo"' },
      notes: [],
      engage: null,
    });
  });

  test("page rows match the page name; screen rows with * match any screen", () => {
    expect(mapEvent({ type: "page", userId: "u1", name: "Pricing", timestamp: T }, config).operations).toEqual([
      { kind: "event", userUid: "u1", eventKey: "viewed_pricing", source: "row:pricing" },
    ]);
    expect(mapEvent({ type: "page", userId: "u1", name: "Home", timestamp: T }, config).filtered).toEqual({
      reason: 'no mapping matched page "Home"',
    });
    expect(mapEvent({ type: "page", userId: "u1", timestamp: T }, config).filtered).toEqual({
      reason: "no mapping matched page (no name)",
    });
    expect(mapEvent({ type: "screen", userId: "u1", name: "Settings", timestamp: T }, config).operations).toEqual([
      { kind: "event", userUid: "u1", eventKey: "app_screen", source: "row:app" },
    ]);
  });

  test("a track can set attributes and trigger events; attributes come first", () => {
    const withRows = configWith({
      attributeMappings: [{ id: "rev", source: "properties.revenue", attribute: "last_order_value", type: "number" }],
      eventMappings: [{ id: "purchase", source: "track", segmentEvent: "Order Completed", personalizeEvent: "purchase" }],
    });
    expect(mapEvent(order(150), withRows).operations).toEqual([
      {
        kind: "attributes",
        userUid: "u1",
        attributes: { last_order_value: 150 },
        sources: { last_order_value: "row:rev" },
        timestamp: T,
      },
      { kind: "event", userUid: "u1", eventKey: "purchase", source: "row:purchase" },
    ]);
  });

  test("an invalid condition that bypassed validation skips its row with a note", () => {
    const broken = configWith({
      eventMappings: [{ id: "purchase", source: "track", segmentEvent: "*", personalizeEvent: "purchase" }],
    });
    broken.eventMappings[0].condition = "properties.revenue >>> (";
    const result = mapEvent(order(150), broken);
    expect(result.filtered).toEqual({ reason: 'no mapping matched track "Order Completed"' });
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toMatch(/^row:purchase \(track "\*" → purchase\): condition is not valid FQL \(.+\), skipped$/);
  });
});

describe("identity", () => {
  const nameRow = configWith({ attributeMappings: [{ id: "name", source: "traits.name", attribute: "name" }] });

  test("alias becomes a merge previousId → userId", () => {
    expect(mapEvent({ type: "alias", previousId: "anon-1", userId: "u1", timestamp: T }, configWith())).toEqual({
      userUid: "u1",
      operations: [{ kind: "merge", sourceUserUid: "anon-1", targetUserUid: "u1", source: "alias:previousId" }],
      filtered: null,
      notes: [],
      engage: null,
    });
  });

  test("alias is filtered when merge on alias is off, or when it cannot merge", () => {
    const off = configWith({ identity: { mergeOnAlias: false } });
    expect(mapEvent({ type: "alias", previousId: "anon-1", userId: "u1", timestamp: T }, off).filtered).toEqual({
      reason: "alias ignored: merge on alias is off",
    });
    expect(mapEvent({ type: "alias", previousId: "u1", userId: "u1", timestamp: T }, configWith()).filtered).toEqual({
      reason: "alias previousId equals userId",
    });
    expect(mapEvent({ type: "alias", userId: "u1", timestamp: T }, configWith()).filtered).toEqual({
      reason: "alias without previousId",
    });
  });

  test("identify with both ids merges anonymousId → userId before the attributes when mergeOnIdentify", () => {
    const config = configWith({ ...nameRow, identity: { mergeOnIdentify: true } });
    const event: SegmentEvent = { type: "identify", userId: "u1", anonymousId: "a1", traits: { name: "Ada" }, timestamp: T };
    expect(mapEvent(event, config).operations).toEqual([
      { kind: "merge", sourceUserUid: "a1", targetUserUid: "u1", source: "identify:anonymousId" },
      { kind: "attributes", userUid: "u1", attributes: { name: "Ada" }, sources: { name: "row:name" }, timestamp: T },
    ]);
    expect(mapEvent(event, nameRow).operations).toEqual([
      { kind: "attributes", userUid: "u1", attributes: { name: "Ada" }, sources: { name: "row:name" }, timestamp: T },
    ]);
  });

  test("an identify with one id does not merge", () => {
    const config = configWith({ ...nameRow, identity: { mergeOnIdentify: true, anonymousFallback: true } });
    const ops = mapEvent({ type: "identify", anonymousId: "a1", traits: { name: "Ada" }, timestamp: T }, config).operations;
    expect(ops.map((op) => op.kind)).toEqual(["attributes"]);
  });

  test("anonymousId is the user only with anonymous fallback on", () => {
    const event: SegmentEvent = { type: "identify", anonymousId: "a1", traits: { name: "Ada" }, timestamp: T };
    expect(mapEvent(event, nameRow)).toEqual({
      userUid: null,
      operations: [],
      filtered: { reason: "no userId (anonymous fallback is off)" },
      notes: [],
      engage: null,
    });
    const fallback = configWith({ ...nameRow, identity: { anonymousFallback: true } });
    expect(mapEvent(event, fallback)).toEqual({
      userUid: "a1",
      operations: [
        { kind: "attributes", userUid: "a1", attributes: { name: "Ada" }, sources: { name: "row:name" }, timestamp: T },
      ],
      filtered: null,
      notes: [],
      engage: null,
    });
  });

  test("no id at all, blank ids, and numeric ids", () => {
    const fallback = configWith({ ...nameRow, identity: { anonymousFallback: true } });
    expect(mapEvent({ type: "identify", userId: "  ", traits: { name: "Ada" }, timestamp: T }, fallback).filtered).toEqual({
      reason: "no userId or anonymousId",
    });
    expect(mapEvent({ type: "identify", userId: 42, traits: { name: "Ada" }, timestamp: T }, nameRow).userUid).toBe("42");
  });
});

describe("other calls", () => {
  test("group with nothing mapped is filtered", () => {
    const group: SegmentEvent = { type: "group", userId: "u1", groupId: "g1", traits: { plan: "team" }, timestamp: T };
    expect(mapEvent(group, configWith({ unmappedTraits: "passthrough" }))).toEqual({
      userUid: "u1",
      operations: [],
      filtered: { reason: "group mapped no attributes" },
      notes: [],
      engage: null,
    });
  });

  test("unknown or missing call types are filtered", () => {
    expect(mapEvent({ type: "delete", userId: "u1" }, configWith()).filtered).toEqual({
      reason: 'unsupported call type "delete"',
    });
    expect(mapEvent({ userId: "u1" }, configWith()).filtered).toEqual({ reason: "no call type" });
  });
});

describe("Engage (segment.md §6)", () => {
  const personas = (computation_class: string, computation_key: string, computation_id: string) => ({
    computation_class,
    computation_id,
    computation_key,
    namespace: "spa_9x",
    space_id: "spa_9x",
  });
  const audienceIdentify: SegmentEvent = {
    type: "identify",
    messageId: "personas_2abc",
    userId: "u123",
    traits: { first_time_shopper: true, email: "a@example.com" },
    context: { personas: personas("audience", "first_time_shopper", "aud_2g5") },
    integrations: { All: false, "Webhooks (Actions)": true },
    timestamp: T,
  };
  const audienceExited: SegmentEvent = {
    type: "track",
    event: "Audience Exited",
    userId: "u123",
    properties: { audience_key: "first_time_shopper", first_time_shopper: false },
    context: {
      traits: { email: "a@example.com" },
      personas: { ...personas("audience", "first_time_shopper", "aud_2g5"), external_audience_id: "379909", audience_settings: {} },
    },
    timestamp: T,
  };
  const traitComputed: SegmentEvent = {
    type: "track",
    event: "Trait Computed",
    userId: "u123",
    properties: { trait_key: "total_revenue_180_days", total_revenue_180_days: 450 },
    context: { personas: personas("trait", "total_revenue_180_days", "tra_1") },
    timestamp: T,
  };
  const audienceEngage = {
    computationClass: "audience",
    computationId: "aud_2g5",
    computationKey: "first_time_shopper",
    spaceId: "spa_9x",
  };
  const passthroughAndAnyTrack = configWith({
    unmappedTraits: "passthrough",
    eventMappings: [{ id: "any", source: "track", segmentEvent: "*", personalizeEvent: "any_track" }],
  });

  test("identify audience: membership attribute only, other traits not passed through", () => {
    expect(mapEvent(audienceIdentify, passthroughAndAnyTrack)).toEqual({
      userUid: "u123",
      operations: [
        {
          kind: "attributes",
          userUid: "u123",
          attributes: { first_time_shopper: true },
          sources: { first_time_shopper: "engage:first_time_shopper" },
          timestamp: T,
        },
      ],
      filtered: null,
      notes: [],
      engage: audienceEngage,
    });
  });

  test("track Audience Exited: false membership, helper key not sent, no plain event for *", () => {
    expect(mapEvent(audienceExited, passthroughAndAnyTrack)).toEqual({
      userUid: "u123",
      operations: [
        {
          kind: "attributes",
          userUid: "u123",
          attributes: { first_time_shopper: false },
          sources: { first_time_shopper: "engage:first_time_shopper" },
          timestamp: T,
        },
      ],
      filtered: null,
      notes: [],
      engage: audienceEngage,
    });
  });

  test("an event row naming the Engage event explicitly still fires", () => {
    const config = configWith({
      eventMappings: [{ id: "exit", source: "track", segmentEvent: "Audience Exited", personalizeEvent: "left_audience" }],
    });
    expect(mapEvent(audienceExited, config).operations).toEqual([
      {
        kind: "attributes",
        userUid: "u123",
        attributes: { first_time_shopper: false },
        sources: { first_time_shopper: "engage:first_time_shopper" },
        timestamp: T,
      },
      { kind: "event", userUid: "u123", eventKey: "left_audience", source: "row:exit" },
    ]);
  });

  test('track Audience Entered from Journeys v1 with the string "true"', () => {
    const entered: SegmentEvent = {
      type: "track",
      event: "Audience Entered",
      userId: "u123",
      properties: { audience_key: "j_o_welcome", j_o_welcome: "true" },
      context: { personas: personas("audience", "j_o_welcome", "aud_j1") },
      timestamp: T,
    };
    expect(mapEvent(entered, configWith()).operations).toEqual([
      {
        kind: "attributes",
        userUid: "u123",
        attributes: { j_o_welcome: true },
        sources: { j_o_welcome: "engage:j_o_welcome" },
        timestamp: T,
      },
    ]);
  });

  test('journey_step identify with the string "FALSE"', () => {
    const step: SegmentEvent = {
      type: "identify",
      userId: "u123",
      traits: { j_o_step_2: "FALSE" },
      context: { personas: personas("journey_step", "j_o_step_2", "aud_j2") },
      timestamp: T,
    };
    const result = mapEvent(step, configWith());
    expect(result.operations).toEqual([
      {
        kind: "attributes",
        userUid: "u123",
        attributes: { j_o_step_2: false },
        sources: { j_o_step_2: "engage:j_o_step_2" },
        timestamp: T,
      },
    ]);
    expect(result.engage).toEqual({
      computationClass: "journey_step",
      computationId: "aud_j2",
      computationKey: "j_o_step_2",
      spaceId: "spa_9x",
    });
  });

  test("computed trait, identify and Trait Computed track", () => {
    const identify: SegmentEvent = {
      type: "identify",
      userId: "u123",
      traits: { total_revenue_180_days: 450 },
      context: { personas: personas("computed_trait", "total_revenue_180_days", "tra_1") },
      timestamp: T,
    };
    const expected = [
      {
        kind: "attributes",
        userUid: "u123",
        attributes: { total_revenue_180_days: 450 },
        sources: { total_revenue_180_days: "engage:total_revenue_180_days" },
        timestamp: T,
      },
    ];
    expect(mapEvent(identify, passthroughAndAnyTrack).operations).toEqual(expected);
    expect(mapEvent(traitComputed, passthroughAndAnyTrack)).toEqual({
      userUid: "u123",
      operations: expected,
      filtered: null,
      notes: [],
      engage: {
        computationClass: "trait",
        computationId: "tra_1",
        computationKey: "total_revenue_180_days",
        spaceId: "spa_9x",
      },
    });
  });

  test("the attribute prefix applies to audiences and computed traits", () => {
    const config = configWith({ engage: { attributePrefix: "seg_" } });
    expect(mapEvent(audienceIdentify, config).operations).toEqual([
      {
        kind: "attributes",
        userUid: "u123",
        attributes: { seg_first_time_shopper: true },
        sources: { seg_first_time_shopper: "engage:first_time_shopper" },
        timestamp: T,
      },
    ]);
    expect(mapEvent(traitComputed, config).operations).toEqual([
      {
        kind: "attributes",
        userUid: "u123",
        attributes: { seg_total_revenue_180_days: 450 },
        sources: { seg_total_revenue_180_days: "engage:total_revenue_180_days" },
        timestamp: T,
      },
    ]);
  });

  test("audience and computed trait sync can be switched off", () => {
    expect(mapEvent(audienceIdentify, configWith({ engage: { audiences: false } }))).toEqual({
      userUid: "u123",
      operations: [],
      filtered: { reason: "engage:first_time_shopper: Engage audience sync is off" },
      notes: ["engage:first_time_shopper: Engage audience sync is off"],
      engage: audienceEngage,
    });
    expect(mapEvent(traitComputed, configWith({ engage: { computedTraits: false } })).filtered).toEqual({
      reason: "engage:total_revenue_180_days: Engage computed trait sync is off",
    });
  });

  test("a membership value that is not a boolean is dropped with a note", () => {
    const odd = { ...audienceIdentify, traits: { first_time_shopper: "yes" } };
    expect(mapEvent(odd, configWith())).toEqual({
      userUid: "u123",
      operations: [],
      filtered: { reason: 'engage:first_time_shopper: traits.first_time_shopper is "yes", not a membership boolean' },
      notes: ['engage:first_time_shopper: traits.first_time_shopper is "yes", not a membership boolean'],
      engage: audienceEngage,
    });
  });

  test("a computed trait that is not a scalar is dropped with a note", () => {
    const nested = { ...traitComputed, properties: { trait_key: "total_revenue_180_days", total_revenue_180_days: { usd: 450 } } };
    expect(mapEvent(nested, configWith()).notes).toEqual([
      "engage:total_revenue_180_days: properties.total_revenue_180_days is a nested object",
    ]);
  });

  test("mapping rows still apply to Engage events and win over the computation", () => {
    const config = configWith({
      attributeMappings: [
        { id: "email", source: "context.traits.email", attribute: "email" },
        { id: "fts", source: "properties.first_time_shopper", attribute: "first_time_shopper", type: "string" },
      ],
    });
    const result = mapEvent(audienceExited, config);
    expect(result.operations).toEqual([
      {
        kind: "attributes",
        userUid: "u123",
        attributes: { email: "a@example.com", first_time_shopper: "false" },
        sources: { email: "row:email", first_time_shopper: "row:fts" },
        timestamp: T,
      },
    ]);
    expect(result.notes).toEqual([
      'engage:first_time_shopper: attribute "first_time_shopper" already set by row:fts, dropped',
    ]);
  });

  test("an unknown computation class is recorded but not mapped", () => {
    const odd = { ...audienceIdentify, context: { personas: personas("predictive", "first_time_shopper", "x") } };
    expect(mapEvent(odd, configWith({ unmappedTraits: "passthrough" }))).toEqual({
      userUid: "u123",
      operations: [],
      filtered: { reason: 'engage:first_time_shopper: computation_class "predictive" is not mapped' },
      notes: ['engage:first_time_shopper: computation_class "predictive" is not mapped'],
      engage: { computationClass: "predictive", computationId: "x", computationKey: "first_time_shopper", spaceId: "spa_9x" },
    });
  });
});
