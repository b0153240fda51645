/**
 * The benchmark's event streams, identical for every system under test: deterministic (seeded), 2,000 users whose
 * activity follows a Zipf law (s = 0.8: a few heavy users, a long tail), events 1 ms apart in stream order, shaped
 * as analytics-node sends them. Also the installation's mapping the streams are written for, and the attribute
 * values a correct sync must leave in Personalize.
 */
import type { ConfigurationInput } from "../../src/shared/installation-config.ts";
import { seededRandom } from "../testing/seeded-random.ts";

export type StreamKind = "identify-heavy" | "track-heavy";
export const STREAM_KINDS: StreamKind[] = ["identify-heavy", "track-heavy"];

const IDENTIFY_SHARE: Record<StreamKind, number> = { "identify-heavy": 0.9, "track-heavy": 0.2 };
export const USERS = 2000;
const ZIPF_EXPONENT = 0.8;
const STREAM_START = Date.UTC(2026, 0, 1);

export interface SegmentMessage {
  type: "identify" | "track";
  userId: string;
  event?: string;
  traits?: Record<string, string | number | boolean>;
  properties?: Record<string, string | number>;
  messageId: string;
  timestamp: string;
  context: { library: { name: string; version: string } };
  integrations: Record<string, never>;
}

/** Trait → attribute rows; each identify carries 2 or 3 of these traits. */
const TRAIT_ATTRIBUTES = [
  { trait: "plan", attribute: "plan" },
  { trait: "lifetime_value", attribute: "lifetime_value" },
  { trait: "first_time_shopper", attribute: "first_time_shopper" },
  { trait: "favorite_category", attribute: "favorite_category" },
] as const;
const REVENUE_ATTRIBUTE = "last_order_revenue";
const CATEGORIES = ["shoes", "bags", "outdoor", "kids", "home", "beauty"];
const PLANS = ["free", "plus", "pro", "enterprise"];

/** Track events by frequency; "Signed Up" has no event row, as not every Segment event is mapped. */
const TRACK_EVENTS = [
  { name: "Product Viewed", share: 0.6, personalizeEvent: "product_viewed" },
  { name: "Product Added", share: 0.25, personalizeEvent: "product_added" },
  { name: "Order Completed", share: 0.1, personalizeEvent: "order_completed" },
  { name: "Signed Up", share: 0.05, personalizeEvent: null },
] as const;

export const BENCH_CONFIGURATION: ConfigurationInput = {
  attributeMappings: [
    ...TRAIT_ATTRIBUTES.map(({ trait, attribute }) => ({ id: trait, source: `traits.${trait}`, attribute })),
    { id: "revenue", source: "properties.revenue", attribute: REVENUE_ATTRIBUTE, type: "number" as const },
  ],
  eventMappings: TRACK_EVENTS.flatMap(({ name, personalizeEvent }) =>
    personalizeEvent ? [{ id: personalizeEvent, segmentEvent: name, personalizeEvent }] : [],
  ),
};

function zipfSampler(count: number, exponent: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= count; rank++) cumulative.push((total += 1 / rank ** exponent));
  return () => {
    const target = random() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

export function buildStream(kind: StreamKind, count: number): SegmentMessage[] {
  const random = seededRandom(kind === "identify-heavy" ? 1 : 2);
  const pickUser = zipfSampler(USERS, ZIPF_EXPONENT, random);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const messages: SegmentMessage[] = [];
  for (let index = 0; index < count; index++) {
    const base = {
      userId: `user-${String(pickUser()).padStart(5, "0")}`,
      messageId: `bench-${kind}-${index}`,
      timestamp: new Date(STREAM_START + index).toISOString(),
      context: { library: { name: "@segment/analytics-node", version: "3.1.0" } },
      integrations: {},
    };
    if (random() < IDENTIFY_SHARE[kind]) {
      const values = {
        plan: pick(PLANS),
        lifetime_value: Math.round(random() * 500_00) / 100,
        first_time_shopper: random() < 0.3,
        favorite_category: pick(CATEGORIES),
      };
      const traitCount = random() < 0.5 ? 2 : 3;
      const first = Math.floor(random() * TRAIT_ATTRIBUTES.length);
      const traits = Object.fromEntries(
        Array.from({ length: traitCount }, (_, k) => TRAIT_ATTRIBUTES[(first + k) % TRAIT_ATTRIBUTES.length].trait).map((trait) => [
          trait,
          values[trait],
        ]),
      );
      messages.push({ type: "identify", ...base, traits });
    } else {
      const roll = random();
      let cumulative = 0;
      const event = TRACK_EVENTS.find(({ share }) => roll < (cumulative += share)) ?? TRACK_EVENTS[0];
      const properties: Record<string, string | number> =
        event.name === "Order Completed"
          ? { order_id: `order-${index}`, revenue: Math.round(random() * 300_00) / 100, currency: "USD" }
          : { product_id: `sku-${Math.floor(random() * 5000)}`, category: pick(CATEGORIES), price: Math.round(random() * 200_00) / 100 };
      messages.push({ type: "track", ...base, event: event.name, properties });
    }
  }
  return messages;
}

/** Tracking API request bodies of `batchSize` events each (the write key travels in the Authorization header). */
export function batchBodies(messages: SegmentMessage[], batchSize: number): string[] {
  const bodies: string[] = [];
  for (let start = 0; start < messages.length; start += batchSize) {
    bodies.push(JSON.stringify({ batch: messages.slice(start, start + batchSize) }));
  }
  return bodies;
}

/** Per user, the attribute values BENCH_CONFIGURATION must leave in Personalize: the latest value of each. */
export function expectedAttributes(messages: SegmentMessage[]): Map<string, Record<string, unknown>> {
  const expected = new Map<string, Record<string, unknown>>();
  for (const message of messages) {
    const attributes = expected.get(message.userId) ?? {};
    for (const { trait, attribute } of TRAIT_ATTRIBUTES) {
      if (message.traits && trait in message.traits) attributes[attribute] = message.traits[trait];
    }
    if (message.properties?.revenue !== undefined) attributes[REVENUE_ATTRIBUTE] = message.properties.revenue;
    if (Object.keys(attributes).length) expected.set(message.userId, attributes);
  }
  return expected;
}
