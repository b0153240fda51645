import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compactStored, decodeJson, decodeJsonText, encodeJson, encodeJsonPlain } from "./json-codec.ts";

const event = {
  type: "track",
  userId: "user-004211",
  anonymousId: "anon-9f3k2l1m0n",
  event: "Order Completed",
  properties: { revenue: 129.5, currency: "USD", order_id: "ord-88121", coupon: null },
  messageId: "node-next-1767225600000-k2j3h4g5",
  context: { library: { name: "@segment/analytics-node", version: "3.1.0" }, ip: "203.0.113.7", locale: "en-US" },
  integrations: {},
  timestamp: "2026-01-01T00:00:00.000Z",
};

describe("json codec", () => {
  it("gives back the exact JSON text of every value it stored", () => {
    for (const value of [event, { a: 1 }, [], "ü😀", 0, true, { nested: { text: "x".repeat(5000) } }]) {
      expect(decodeJsonText(encodeJson(value))).toBe(JSON.stringify(value));
      expect(decodeJson(encodeJson(value))).toEqual(value);
    }
    expect(encodeJson(null)).toBeNull();
    expect(encodeJson(undefined)).toBeNull();
    expect(decodeJson(null)).toBeNull();
  });

  it("stores a typical event in well under half its JSON size, and short values as their text", () => {
    expect(encodeJson(event)!.length).toBeLessThan(JSON.stringify(event).length / 2);
    expect(encodeJson({ source: "webhook" })!.toString()).toBe('{"source":"webhook"}');
  });

  it("reads JSON text written before compact storage, as text or as bytes", () => {
    expect(decodeJson('{"plan":"pro"}')).toEqual({ plan: "pro" });
    expect(decodeJson(Buffer.from('{"plan":"pro"}'))).toEqual({ plan: "pro" });
    expect(decodeJson(new Uint8Array(Buffer.from("[1,2]")))).toEqual([1, 2]);
  });

  it("keeps a queued value as plain text and compacts it later to what encodeJson stores", () => {
    const plain = encodeJsonPlain(event)!;
    expect(plain.toString()).toBe(JSON.stringify(event));
    expect(compactStored(plain)).toEqual(encodeJson(event));
    expect(compactStored(JSON.stringify(event))).toEqual(encodeJson(event));
    expect(compactStored(new Uint8Array(plain))).toEqual(encodeJson(event));
    const deflated = encodeJson(event)!;
    expect(compactStored(deflated)).toBe(deflated);
    expect(compactStored(null)).toBeNull();
  });
});

describe("json codec's deflate", () => {
  it("deflates value after value alike (one stream, reset between values), and keeps incompressible values as text", () => {
    const values = [event, { ...event, userId: "other" }, { text: "y".repeat(200_000) }, event, { text: "z".repeat(2_000_000) }];
    const encoded = values.map((value) => encodeJson(value)!);
    encoded.forEach((stored, index) => expect(decodeJson(stored)).toEqual(values[index]));
    expect(encoded[3]).toEqual(encoded[0]);
    expect(encoded[2][0]).toBe(0x01);
    expect(encoded[2].length).toBeLessThan(2000);
    for (let length = 30; length < 200; length += 7) {
      const noise = { noise: randomBytes(length).toString("base64") };
      const stored = encodeJson(noise)!;
      expect(stored.length).toBeLessThanOrEqual(JSON.stringify(noise).length);
      expect(decodeJson(stored)).toEqual(noise);
    }
  });
});
