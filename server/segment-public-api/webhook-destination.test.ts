import { describe, expect, it } from "vitest";
import { parseFql, validate } from "../../src/shared/fql.ts";
import { configurationSchema, serverConfigurationSchema } from "../../src/shared/installation-config.ts";
import { desiredSubscriptions, webhookAuth } from "./webhook-destination.ts";

const URL = "https://sync.example.com/ingest/segment/inst-1";

function triggersFor(eventMappings: unknown[], engageAudiences = true) {
  const configuration = configurationSchema.parse({ eventMappings, engage: { audiences: engageAudiences } });
  return desiredSubscriptions(configuration, URL, webhookAuth(serverConfigurationSchema.parse({})));
}

const matches = (trigger: string, event: Record<string, unknown>) => validate(parseFql(trigger) as never, event);

describe("desired webhook subscriptions", () => {
  it("subscribe to identify, the mapped track and page names, and Engage audience events", () => {
    const subscriptions = triggersFor([
      { id: "a", source: "track", segmentEvent: "Order Completed", personalizeEvent: "order" },
      { id: "b", source: "track", segmentEvent: "Back\\slash", personalizeEvent: "hi" },
      { id: "c", source: "page", segmentEvent: "Pricing", personalizeEvent: "pricing" },
      { id: "d", enabled: false, source: "screen", segmentEvent: "Home", personalizeEvent: "home" },
    ]);
    expect(subscriptions.map((s) => s.name)).toEqual([
      "Contentstack Personalize: Identify",
      "Contentstack Personalize: Track events",
      "Contentstack Personalize: Page views",
      "Contentstack Personalize: Engage audiences",
    ]);
    for (const { trigger } of subscriptions) expect((parseFql(trigger) as { error?: Error }).error).toBeUndefined();
    const [identify, track, page, audiences] = subscriptions.map((s) => s.trigger);
    expect(matches(identify, { type: "identify", traits: { plan: "pro" } })).toBe(true);
    expect(matches(track, { type: "track", event: "Order Completed" })).toBe(true);
    expect(matches(track, { type: "track", event: "Back\\slash" })).toBe(true);
    expect(matches(track, { type: "track", event: "Other" })).toBe(false);
    expect(matches(page, { type: "page", name: "Pricing" })).toBe(true);
    expect(matches(page, { type: "track", event: "Pricing" })).toBe(false);
    expect(matches(audiences, { type: "track", event: "Audience Exited" })).toBe(true);
  });

  it("a * row, or a name FQL cannot quote, subscribes to its whole event type; audiences off drops that subscription", () => {
    const subscriptions = triggersFor([{ id: "a", source: "track", segmentEvent: "*", personalizeEvent: "any" }], false);
    expect(subscriptions.map((s) => s.trigger)).toEqual(['type = "identify"', 'type = "track"']);
    const quoted = triggersFor([{ id: "a", source: "page", segmentEvent: 'Say "hi"', personalizeEvent: "hi" }], false);
    expect(quoted.map((s) => s.trigger)).toEqual(['type = "identify"', 'type = "page"']);
  });

  it("carries the bearer token as a header and the shared secret as the destination setting, one event per request", () => {
    const auth = webhookAuth(serverConfigurationSchema.parse({ webhookSharedSecret: "s3", webhookBearerToken: "b3" }));
    expect(auth).toEqual({ destinationSettings: { sharedSecret: "s3" }, headers: { Authorization: "Bearer b3" }, batching: false });
    expect(webhookAuth(serverConfigurationSchema.parse({ webhookBearerToken: "b3" })).batching).toBe(true);
  });
});
