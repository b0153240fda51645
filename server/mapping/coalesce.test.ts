import { describe, expect, test } from "vitest";
import { coalesceUserOperations, type PendingItem } from "./coalesce";
import type { AttributeValue, Operation } from "./types";

const at = (second: number) => `2026-05-06T10:00:${String(second).padStart(2, "0")}.000Z`;

function attributes(second: number, values: Record<string, AttributeValue>): Operation {
  return {
    kind: "attributes",
    userUid: "u1",
    attributes: values,
    sources: Object.fromEntries(Object.keys(values).map((key) => [key, `row:${key}`])),
    timestamp: at(second),
  };
}
const event = (eventKey: string): Operation => ({ kind: "event", userUid: "u1", eventKey, source: `row:${eventKey}` });
const merge = (sourceUserUid: string): Operation => ({
  kind: "merge",
  sourceUserUid,
  targetUserUid: "u1",
  source: "alias:previousId",
});

describe("coalesceUserOperations", () => {
  test("ten identifies become one PATCH where the latest value of each attribute wins", () => {
    const items: PendingItem[] = Array.from({ length: 10 }, (_, index) => {
      const n = index + 1;
      return { eventId: n, operations: [attributes(n, n === 3 ? { plan: `p${n}`, visits: n, email: "a@x.io" } : { plan: `p${n}`, visits: n })] };
    });
    const plan = coalesceUserOperations(items, {});
    expect(plan).toEqual({
      requests: [
        {
          kind: "attributes",
          userUid: "u1",
          body: { plan: "p10", visits: 10, email: "a@x.io" },
          eventIds: [3, 10],
          sources: { plan: "row:plan", visits: "row:visits", email: "row:email" },
        },
      ],
      clock: { plan: at(10), visits: at(10), email: at(3) },
      superseded: [1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((eventId) => [
        { eventId, attribute: "plan" },
        { eventId, attribute: "visits" },
      ]),
    });
  });

  test("an older value arriving later does not overwrite a newer one", () => {
    const plan = coalesceUserOperations(
      [
        { eventId: 1, operations: [attributes(5, { plan: "new" })] },
        { eventId: 2, operations: [attributes(1, { plan: "old", city: "Paris" })] },
      ],
      {},
    );
    expect(plan).toEqual({
      requests: [
        {
          kind: "attributes",
          userUid: "u1",
          body: { plan: "new", city: "Paris" },
          eventIds: [1, 2],
          sources: { plan: "row:plan", city: "row:city" },
        },
      ],
      clock: { plan: at(5), city: at(1) },
      superseded: [{ eventId: 2, attribute: "plan" }],
    });
  });

  test("on equal timestamps the later arrival wins", () => {
    const plan = coalesceUserOperations(
      [
        { eventId: 1, operations: [attributes(5, { plan: "first" })] },
        { eventId: 2, operations: [attributes(5, { plan: "second" })] },
      ],
      {},
    );
    expect(plan.requests).toEqual([
      { kind: "attributes", userUid: "u1", body: { plan: "second" }, eventIds: [2], sources: { plan: "row:plan" } },
    ]);
    expect(plan.superseded).toEqual([{ eventId: 1, attribute: "plan" }]);
  });

  test("values older than the clock of earlier batches are not sent; the clock is a new object", () => {
    const clock = { plan: at(10), city: at(0) };
    const plan = coalesceUserOperations(
      [
        { eventId: 1, operations: [attributes(5, { plan: "stale", city: "Paris" })] },
        { eventId: 2, operations: [attributes(2, { plan: "staler" })] },
        { eventId: 3, operations: [attributes(0, { city: "Lyon" })] },
      ],
      clock,
    );
    expect(plan).toEqual({
      requests: [{ kind: "attributes", userUid: "u1", body: { city: "Paris" }, eventIds: [1], sources: { city: "row:city" } }],
      clock: { plan: at(10), city: at(5) },
      superseded: [
        { eventId: 1, attribute: "plan" },
        { eventId: 2, attribute: "plan" },
        { eventId: 3, attribute: "city" },
      ],
    });
    expect(clock).toEqual({ plan: at(10), city: at(0) });
  });

  test("a value as old as the clock is sent", () => {
    const plan = coalesceUserOperations([{ eventId: 1, operations: [attributes(10, { plan: "same time" })] }], {
      plan: at(10),
    });
    expect(plan.requests.map((request) => request.body)).toEqual([{ plan: "same time" }]);
    expect(plan.superseded).toEqual([]);
  });

  test("a merge splits the stream; the clock carries across it", () => {
    const plan = coalesceUserOperations(
      [
        { eventId: 1, operations: [attributes(3, { plan: "a" }), event("viewed")] },
        { eventId: 2, operations: [merge("anon-1"), attributes(4, { city: "Paris" })] },
        { eventId: 3, operations: [attributes(1, { plan: "older" }), event("purchase")] },
      ],
      {},
    );
    expect(plan).toEqual({
      requests: [
        { kind: "attributes", userUid: "u1", body: { plan: "a" }, eventIds: [1], sources: { plan: "row:plan" } },
        { kind: "events", userUid: "u1", body: [{ eventKey: "viewed", type: "EVENT" }], eventIds: [1], sources: ["row:viewed"] },
        {
          kind: "merge",
          userUid: "u1",
          body: { sourceUserUid: "anon-1", targetUserUid: "u1" },
          eventIds: [2],
          sources: ["alias:previousId"],
        },
        { kind: "attributes", userUid: "u1", body: { city: "Paris" }, eventIds: [2], sources: { city: "row:city" } },
        {
          kind: "events",
          userUid: "u1",
          body: [{ eventKey: "purchase", type: "EVENT" }],
          eventIds: [3],
          sources: ["row:purchase"],
        },
      ],
      clock: { plan: at(3), city: at(4) },
      superseded: [{ eventId: 3, attribute: "plan" }],
    });
  });

  test("back-to-back identical merges share one request; different ones do not", () => {
    const plan = coalesceUserOperations(
      [
        { eventId: 1, operations: [merge("anon-1")] },
        { eventId: 2, operations: [merge("anon-1")] },
        { eventId: 3, operations: [merge("anon-2")] },
      ],
      {},
    );
    expect(plan.requests).toEqual([
      {
        kind: "merge",
        userUid: "u1",
        body: { sourceUserUid: "anon-1", targetUserUid: "u1" },
        eventIds: [1, 2],
        sources: ["alias:previousId", "alias:previousId"],
      },
      {
        kind: "merge",
        userUid: "u1",
        body: { sourceUserUid: "anon-2", targetUserUid: "u1" },
        eventIds: [3],
        sources: ["alias:previousId"],
      },
    ]);
  });

  test("events of a run are batched in arrival order, repeats kept", () => {
    const plan = coalesceUserOperations(
      [
        { eventId: 1, operations: [event("a"), event("b")] },
        { eventId: 2, operations: [event("c")] },
        { eventId: 3, operations: [event("a")] },
      ],
      {},
    );
    expect(plan).toEqual({
      requests: [
        {
          kind: "events",
          userUid: "u1",
          body: [
            { eventKey: "a", type: "EVENT" },
            { eventKey: "b", type: "EVENT" },
            { eventKey: "c", type: "EVENT" },
            { eventKey: "a", type: "EVENT" },
          ],
          eventIds: [1, 2, 3],
          sources: ["row:a", "row:b", "row:c", "row:a"],
        },
      ],
      clock: {},
      superseded: [],
    });
  });

  test("attribute keys such as __proto__ stay data in the body and the clock", () => {
    const values = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, AttributeValue>;
    const plan = coalesceUserOperations([{ eventId: 1, operations: [attributes(1, values)] }], {});
    expect(JSON.stringify(plan.requests[0].body)).toBe('{"__proto__":"x","constructor":"y"}');
    expect(JSON.stringify(plan.clock)).toBe(`{"__proto__":"${at(1)}","constructor":"${at(1)}"}`);
  });

  test("no request is planned with an empty body", () => {
    expect(
      coalesceUserOperations(
        [
          { eventId: 1, operations: [] },
          { eventId: 2, operations: [attributes(1, { plan: "old" })] },
        ],
        { plan: at(9) },
      ),
    ).toEqual({ requests: [], clock: { plan: at(9) }, superseded: [{ eventId: 2, attribute: "plan" }] });
    expect(coalesceUserOperations([], {})).toEqual({ requests: [], clock: {}, superseded: [] });
  });
});
