/**
 * (b) Segment's own "Contentstack Cloud" destination (`actions-contentstack` from @segment/action-destinations), run
 * as its own process by official-bench.ts. Each event goes through `new Destination(definition).onEvent(event,
 * settings)` of @segment/actions-core, as Segment's integrations service calls it: the destination's default
 * subscriptions (both actions on `type = "track" or type = "identify"`, with their default field mappings), so every
 * event runs both actions, i.e. two PATCHes. `OFFICIAL_CONCURRENCY` events are in progress at any time
 * (the value comes from official-bench.ts).
 *
 * Loaded with require(): the packages are CommonJS, and actions-core's ES build cannot import
 * @segment/destination-subscriptions' CommonJS named exports.
 */
import { createRequire } from "node:module";
import { buildStream, type StreamKind } from "./workload.ts";

export interface OfficialRunRequest {
  kind: StreamKind;
  count: number;
}
export interface OfficialRunReply {
  elapsedMs: number;
  /** CPU time of this process while the events ran (building them excluded). */
  cpuMs: number;
  failures: number;
  firstFailure: string | null;
}

interface ActionDefinition {
  defaultSubscription?: string;
  fields: Record<string, unknown>;
}
interface DestinationDefinition {
  actions: Record<string, ActionDefinition>;
}
interface ActionsCore {
  Destination: new (definition: DestinationDefinition) => { onEvent(event: unknown, settings: unknown): Promise<unknown> };
  defaultValues(fields: Record<string, unknown>): Record<string, unknown>;
}

const require = createRequire(import.meta.url);
const { Destination, defaultValues } = require("@segment/actions-core") as ActionsCore;
const definition = (require("@segment/action-destinations/dist/destinations/contentstack") as { default: DestinationDefinition })
  .default;

const concurrency = Number(process.env.OFFICIAL_CONCURRENCY);
const destination = new Destination(definition);
const settings = {
  personalizeProjectId: process.env.OFFICIAL_PROJECT_UID!,
  personalizeEdgeApiBaseUrl: process.env.OFFICIAL_EDGE_URL!,
  subscriptions: Object.entries(definition.actions).map(([partnerAction, action]) => ({
    partnerAction,
    subscribe: action.defaultSubscription,
    mapping: defaultValues(action.fields),
  })),
};

async function run({ kind, count }: OfficialRunRequest): Promise<OfficialRunReply> {
  const events = buildStream(kind, count);
  let next = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const lane = async () => {
    while (next < events.length) {
      const event = events[next++];
      try {
        await destination.onEvent(event, settings);
      } catch (error) {
        failures += 1;
        firstFailure ??= String(error);
      }
    }
  };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const cpu = process.cpuUsage(cpuBefore);
  return { elapsedMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, failures, firstFailure };
}

process.on("message", (message) => {
  void run(message as OfficialRunRequest).then((reply) => process.send!(reply));
});
process.send!({ ready: true });
