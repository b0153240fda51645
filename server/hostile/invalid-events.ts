/**
 * Segment events that every ingest route must refuse, each broken in one way the Tracking API spec forbids
 * (segment.md §4), starting from a valid identify. The generator combines these with harmless noise.
 */
export type SegmentMessage = Record<string, unknown>;

export function validIdentify(userId = "hostile-user"): SegmentMessage {
  return { type: "identify", userId, messageId: `hostile-${userId}`, traits: { plan: "gold" }, timestamp: "2026-01-01T00:00:00.000Z" };
}

const without = (event: SegmentMessage, ...keys: string[]) => Object.fromEntries(Object.entries(event).filter(([key]) => !keys.includes(key)));

/** [what is wrong, the broken event]; `typeIsWrong` marks breakage a /v1/<type> route would paper over. */
export const INVALID_EVENTS: Array<{ name: string; typeIsWrong?: boolean; make(base: SegmentMessage): SegmentMessage }> = [
  { name: "no type", typeIsWrong: true, make: (e) => without(e, "type") },
  { name: "type is a number", typeIsWrong: true, make: (e) => ({ ...e, type: 42 }) },
  { name: "type is empty", typeIsWrong: true, make: (e) => ({ ...e, type: "" }) },
  { name: "type is unknown", typeIsWrong: true, make: (e) => ({ ...e, type: "identifyy" }) },
  { name: "type in capitals", typeIsWrong: true, make: (e) => ({ ...e, type: "IDENTIFY" }) },
  { name: "type with RTL override", typeIsWrong: true, make: (e) => ({ ...e, type: "\u202Eyfitnedi" }) },
  { name: "type with NUL", typeIsWrong: true, make: (e) => ({ ...e, type: "identify\u0000" }) },
  { name: "type is an object", typeIsWrong: true, make: (e) => ({ ...e, type: { toString: "identify" } }) },
  { name: "no userId or anonymousId", make: (e) => without(e, "userId", "anonymousId") },
  { name: "userId is an object", make: (e) => ({ ...e, userId: { id: 1 } }) },
  { name: "userId is an array", make: (e) => ({ ...e, userId: ["a"] }) },
  { name: "userId is a boolean", make: (e) => ({ ...e, userId: true }) },
  { name: "userId is empty", make: (e) => ({ ...e, userId: "" }) },
  { name: "userId and anonymousId null", make: (e) => ({ ...e, userId: null, anonymousId: null }) },
  { name: "userId with a control character", make: (e) => ({ ...e, userId: "user\u0007bell" }) },
  { name: "userId with a newline", make: (e) => ({ ...e, userId: "user\r\nx-injected: 1" }) },
  { name: "anonymousId with NUL", make: (e) => ({ ...without(e, "userId"), anonymousId: "anon\u0000" }) },
  { name: "anonymousId is an object", make: (e) => ({ ...without(e, "userId"), anonymousId: {} }) },
  { name: "traits is a string", make: (e) => ({ ...e, traits: "plan=gold" }) },
  { name: "traits is a number", make: (e) => ({ ...e, traits: 5 }) },
  { name: "traits is an array", make: (e) => ({ ...e, traits: [{ plan: "gold" }] }) },
  { name: "context is a string", make: (e) => ({ ...e, context: "ctx" }) },
  { name: "context is an array", make: (e) => ({ ...e, context: [] }) },
  { name: "integrations is a number", make: (e) => ({ ...e, integrations: 1 }) },
  { name: "properties is a boolean", make: (e) => ({ ...e, type: "track", event: "Clicked", properties: true }) },
  { name: "track without event", make: (e) => ({ ...e, type: "track" }) },
  { name: "track with empty event", make: (e) => ({ ...e, type: "track", event: "" }) },
  { name: "track with numeric event", make: (e) => ({ ...e, type: "track", event: 7 }) },
  { name: "track with object event", make: (e) => ({ ...e, type: "track", event: { name: "x" } }) },
  { name: "page with numeric name", make: (e) => ({ ...e, type: "page", name: 12 }) },
  { name: "group without groupId", make: (e) => ({ ...e, type: "group" }) },
  { name: "group with object groupId", make: (e) => ({ ...e, type: "group", groupId: { id: 1 } }) },
  { name: "alias without previousId", make: (e) => ({ ...e, type: "alias" }) },
  { name: "alias without userId", make: (e) => ({ ...without(e, "userId"), type: "alias", previousId: "p", anonymousId: "a" }) },
  { name: "messageId is a number", make: (e) => ({ ...e, messageId: 5 }) },
  { name: "messageId is an object", make: (e) => ({ ...e, messageId: {} }) },
  { name: "messageId over 100 characters", make: (e) => ({ ...e, messageId: "m".repeat(101) }) },
  { name: "messageId with a control character", make: (e) => ({ ...e, messageId: "msg\u001b[31m" }) },
  { name: "timestamp is not a date", make: (e) => ({ ...e, timestamp: "yesterday" }) },
  { name: "timestamp is a number", make: (e) => ({ ...e, timestamp: 1700000000000 }) },
  { name: "timestamp beyond the Date range", make: (e) => ({ ...e, timestamp: "+275760-09-13T00:00:00.001Z" }) },
  { name: "sentAt is not a date", make: (e) => ({ ...e, sentAt: "soon" }) },
  { name: "originalTimestamp is an object", make: (e) => ({ ...e, originalTimestamp: {} }) },
];
