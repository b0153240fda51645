import { describe, expect, it } from "vitest";
import { splitPlan } from "./plan-rows.ts";
import type { OutboundPlan, PlanResult, QueuedInbound } from "./types.ts";

const queued = (id: number, installationUid = "inst"): QueuedInbound => ({ id, installationUid, createdAt: 0, payload: {}, detail: {} });
const request = (userId: string, eventIds: number[]): OutboundPlan => ({
  installationUid: "inst",
  direction: "personalize",
  userId,
  eventType: "attributes",
  eventName: null,
  messageId: null,
  request: { method: "PATCH", url: "http://edge.test/user-attributes", headers: {}, body: "{}" },
  eventIds,
  detail: {},
});

describe("splitPlan", () => {
  // Events 1–6: u1 owns 1, 3, 5; u2 owns 2, 6; event 4 has no user (filtered).
  const events = [1, 2, 3, 4, 5, 6].map((id) => queued(id));
  const users: Record<number, string | null> = { 1: "u1", 2: "u2", 3: "u1", 4: null, 5: "u1", 6: "u2" };
  const plan: PlanResult = {
    inbound: events.map(({ id }) => ({ id, status: users[id] ? "processing" : "filtered", userId: users[id], error: null, detail: {}, openRequests: 1 })),
    outbound: [request("u1", [1, 3]), request("u2", [2, 6]), request("u1", [5])],
    userStates: [
      { installationUid: "inst", userId: "u1", attributeClock: { a: "1" } },
      { installationUid: "inst", userId: "u2", attributeClock: { a: "2" } },
    ],
  };

  it("keeps a plan within the size whole", () => {
    expect(splitPlan(events, plan, 6)).toEqual([{ events, plan }]);
  });

  it("keeps each user's events, requests and clock in one part, users in order of their first event", () => {
    const parts = splitPlan(events, plan, 2);
    expect(parts.map((part) => part.events.map((event) => event.id))).toEqual([[1, 3, 5], [2, 6], [4]]);
    expect(parts.map((part) => part.plan.outbound.map((out) => out.eventIds))).toEqual([[[1, 3], [5]], [[2, 6]], []]);
    expect(parts.map((part) => part.plan.userStates.map((state) => state.userId))).toEqual([["u1"], ["u2"], []]);
    expect(parts[2].plan).toEqual({ inbound: [plan.inbound[3]], outbound: [], userStates: [] });

    const small = splitPlan(events, { ...plan, inbound: plan.inbound.filter((row) => row.id !== 5), outbound: plan.outbound.slice(0, 2) }, 1);
    expect(small.map((part) => part.events.map((event) => event.id))).toEqual([[1, 3], [2, 6], [4]]);
    expect(splitPlan(events, plan, 5).map((part) => part.events.map((event) => event.id))).toEqual([[1, 3, 5, 2, 6], [4]]);
  });

  it("keeps the same user id of two installations apart", () => {
    const two = [queued(1, "a"), queued(2, "b")];
    const parts = splitPlan(two, { inbound: two.map(({ id }) => ({ id, status: "filtered", userId: "u1", error: null, detail: {}, openRequests: 0 })), outbound: [], userStates: [] }, 1);
    expect(parts.map((part) => part.events.map((event) => event.id))).toEqual([[1], [2]]);
  });

  it("keeps a plan whole when one request serves events of two users", () => {
    const crossing = { ...plan, outbound: [...plan.outbound, request("u1", [1, 2])] };
    expect(splitPlan(events, crossing, 2)).toEqual([{ events, plan: crossing }]);
  });
});
