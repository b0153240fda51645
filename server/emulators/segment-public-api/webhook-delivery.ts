/**
 * Delivers events to one Webhooks (Actions) destination the way Segment does, by running Segment's own
 * destination code (`actions-webhook` from @segment/action-destinations through @segment/actions-core): the
 * subscriptions' FQL triggers, the `data` mapping, `user-agent: Segment (Actions)`, X-Signature over the
 * first payload's `data`, and a bare JSON array when batching is on (segment.md §1, §2). Retryable answers
 * (408, 423, 429, 5xx but 501, network errors) are retried a few times, not for Segment's 4 hours.
 *
 * Loaded with require(): the packages are CommonJS (see server/bench/official-destination.ts). They are dev
 * dependencies, as this emulator is dev and test tooling.
 */
import { createRequire } from "node:module";

interface ActionsCoreDestination {
  onEvent(event: unknown, settings: unknown): Promise<Array<{ output?: string }>>;
  onBatch(events: unknown[], settings: unknown): Promise<Array<{ multistatus?: Array<{ status: number; errortype?: string }> }>>;
}

const require = createRequire(import.meta.url);
let destination: ActionsCoreDestination | null = null;
function webhookDestination(): ActionsCoreDestination {
  if (!destination) {
    const { Destination } = require("@segment/actions-core") as { Destination: new (definition: unknown) => ActionsCoreDestination };
    destination = new Destination((require("@segment/action-destinations/dist/destinations/webhook") as { default: unknown }).default);
  }
  return destination;
}

export interface WebhookSubscription {
  trigger: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

export type EventOutcome = "delivered" | "filtered" | "failed";

const NOT_MATCHED = "PAYLOAD_VALIDATION_FAILED";
const retryable = (status: number) => status === 408 || status === 423 || status === 429 || (status >= 500 && status !== 501);

function statusOf(error: unknown): number {
  const failure = error as { response?: { status?: number }; status?: number };
  return failure.response?.status ?? failure.status ?? 599;
}

/** One attempt for a group of events; each event's outcome, or its status when it should be retried. */
async function attempt(
  events: Array<Record<string, unknown>>,
  settings: Record<string, unknown>,
  batching: boolean,
): Promise<Array<EventOutcome | number>> {
  const destinationCode = webhookDestination();
  if (batching) {
    let results;
    try {
      results = await destinationCode.onBatch(events, settings);
    } catch (error) {
      const status = statusOf(error);
      return events.map(() => (retryable(status) ? status : "failed"));
    }
    return events.map((_event, index) => {
      const statuses = results.map((result) => result.multistatus?.[index]).filter((entry) => entry && entry.errortype !== NOT_MATCHED);
      if (statuses.length === 0) return "filtered";
      const failed = statuses.find((entry) => entry!.status < 200 || entry!.status > 299);
      if (!failed) return "delivered";
      return retryable(failed.status) ? failed.status : "failed";
    });
  }
  return Promise.all(
    events.map(async (event): Promise<EventOutcome | number> => {
      try {
        const result = await destinationCode.onEvent(event, settings);
        return result.every((entry) => entry.output === "not subscribed") ? "filtered" : "delivered";
      } catch (error) {
        const status = statusOf(error);
        return retryable(status) ? status : "failed";
      }
    }),
  );
}

export async function deliverToWebhook(
  events: Array<Record<string, unknown>>,
  destinationSettings: Record<string, unknown>,
  subscriptions: WebhookSubscription[],
  options: { attempts: number; retryDelayMs: number },
): Promise<EventOutcome[]> {
  const active = subscriptions.filter((subscription) => subscription.enabled);
  if (active.length === 0) return events.map(() => "filtered");
  const settings = {
    ...destinationSettings,
    subscriptions: active.map((subscription) => ({ partnerAction: "send", subscribe: subscription.trigger, mapping: subscription.settings })),
  };
  const batching = active.some((subscription) => subscription.settings.enable_batching === true);
  const batchSize = Math.max(1, Number(active[0].settings.batch_size) || 1000);
  const outcomes: EventOutcome[] = new Array(events.length);
  for (let start = 0; start < events.length; start += batchSize) {
    let pending = events.slice(start, start + batchSize).map((event, offset) => ({ event, index: start + offset }));
    for (let round = 1; pending.length > 0; round++) {
      const results = await attempt(pending.map((item) => item.event), settings, batching);
      const again: typeof pending = [];
      results.forEach((result, i) => {
        if (typeof result === "number" && round < options.attempts) again.push(pending[i]);
        else outcomes[pending[i].index] = typeof result === "number" ? "failed" : result;
      });
      pending = again;
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs * round));
    }
  }
  return outcomes;
}
