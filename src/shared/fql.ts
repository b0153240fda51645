/**
 * Segment's FQL (`@segment/destination-subscriptions`) for the server and the browser alike. Under Node's ESM
 * loader the CommonJS build exposes only `default`; bundlers read the ESM build's named exports.
 */
import * as subscriptionsModule from "@segment/destination-subscriptions";

type Subscriptions = typeof import("@segment/destination-subscriptions");
const namespace = subscriptionsModule as unknown as Partial<Subscriptions> & { default?: Subscriptions };
const subscriptions: Subscriptions = namespace.parseFql ? (namespace as Subscriptions) : namespace.default!;

export const { parseFql, validate } = subscriptions;
export type { Subscription } from "@segment/destination-subscriptions";
