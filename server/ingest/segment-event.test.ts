import { describe, expect, it } from "vitest";
import { normalizeSegmentEvent } from "./segment-event.ts";

const receivedAt = Date.parse("2026-03-01T12:00:00.000Z");

describe("normalizeSegmentEvent", () => {
  it.each([
    ["userId", { type: "identify", userId: "a\u0000b" }],
    ["anonymousId", { type: "identify", anonymousId: "anon\u001b[31m" }],
    ["previousId", { type: "alias", userId: "u", previousId: "p\np" }],
    ["groupId", { type: "group", userId: "u", groupId: "g\u007f" }],
    ["messageId", { type: "identify", userId: "u", messageId: "m\r\n" }],
  ])("refuses a control character in %s", (field, event) => {
    const result = normalizeSegmentEvent(event, { source: "webhook", receivedAt });
    expect(result).toMatchObject({ ok: false, reason: `${field} must not contain control characters` });
  });

  it("keeps unicode ids that carry no control character", () => {
    expect(normalizeSegmentEvent({ type: "identify", userId: "用户-ü-😀" }, { source: "webhook", receivedAt }).ok).toBe(true);
  });

  it("names the user the mapping plans the event for: a blank userId gives way to the anonymousId", () => {
    const user = (event: Record<string, unknown>) => {
      const result = normalizeSegmentEvent({ type: "identify", ...event }, { source: "webhook", receivedAt });
      return result.ok ? result.event.userId : "refused";
    };
    expect(user({ userId: "u1", anonymousId: "a1" })).toBe("u1");
    expect(user({ userId: "  ", anonymousId: "a1" })).toBe("a1");
    expect(user({ userId: 42 })).toBe("42");
    expect(user({ userId: "  " })).toBeNull();
  });

  it("keeps the original timestamp when the skew correction would leave the Date range (it threw a RangeError)", () => {
    const timestamp = "+275760-09-13T00:00:00.000Z";
    const result = normalizeSegmentEvent(
      { type: "track", userId: "u", event: "E", timestamp },
      { source: "tracking_api", receivedAt, sentAt: "2026-03-01T11:59:00.000Z" },
    );
    expect(result.ok && result.event.payload.timestamp).toBe(timestamp);
  });

  it("still corrects client clock skew: timestamp = receivedAt − (sentAt − timestamp)", () => {
    const result = normalizeSegmentEvent(
      { type: "track", userId: "u", event: "E", timestamp: "2026-03-01T11:59:00.000Z" },
      { source: "tracking_api", receivedAt, sentAt: "2026-03-01T12:00:30.000Z" },
    );
    expect(result.ok && result.event.payload.timestamp).toBe("2026-03-01T11:58:30.000Z");
  });
});
