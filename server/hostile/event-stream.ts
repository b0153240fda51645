/**
 * The stream the delivery scenarios send, and the check that nothing in it was lost. Each event is an identify of
 * one user with a per-user sequence number and a trait of its own (`s<seq>`), so its effect on Personalize can be
 * found one by one even after coalescing: the attribute `s<seq>` must exist, `seq` must end at a value no other
 * acked event had to follow, a user's PATCHes must land in the order their events had to take effect, and a trait
 * seen in two successful PATCHes is a duplicate delivery.
 */
import { Analytics } from "@segment/analytics-node";
import type { ConfigurationInput } from "../../src/shared/installation-config.ts";
import type { PersonalizeEmulator } from "../emulators/personalize/index.ts";
import type { Store } from "../store/types.ts";
import { TEST_PROJECT_UID } from "../testing/harness.ts";

/** `seq` through a mapping row; every other trait passes through as an attribute of its own name. */
export const STREAM_CONFIGURATION: ConfigurationInput = {
  unmappedTraits: "passthrough",
  attributeMappings: [{ id: "seq", source: "traits.seq", attribute: "seq", type: "number" }],
};

const STREAM_START = Date.UTC(2026, 0, 1);
/** Far more than any clock-skew correction (receivedAt − sentAt) can shift a timestamp, so last-write-wins follows seq. */
const SEQ_SPACING_MS = 60_000;

export interface StreamEvent {
  type: "identify";
  userId: string;
  messageId: string;
  traits: Record<string, number>;
  timestamp: string;
}

/**
 * The HTTP request that carried an event, when the sender sends several at once: events of requests that overlapped
 * in flight have no defined order between them (either may reach the server first).
 */
export interface CarryingRequest {
  index: number;
  sentAt: number;
  ackedAt: number;
}

/** Acked events: messageId → where its effect must show, and (for concurrent senders) the request that carried it. */
export type AckedEvents = Map<string, { userId: string; seq: number; request?: CarryingRequest }>;

type AckedEvent = AckedEvents extends Map<string, infer V> ? V : never;

/**
 * Whether `a` must take effect before `b`: one request acked before the other was sent, or both in one request in
 * batch order. Without request timings (a sequential sender) the sequence number alone decides.
 */
function mustPrecede(a: AckedEvent, b: AckedEvent): boolean {
  if (!a.request || !b.request) return a.seq < b.seq;
  if (a.request.index === b.request.index) return a.seq < b.seq;
  return a.request.ackedAt < b.request.sentAt;
}

/** Hands out events round-robin over `users` users, each user's sequence rising by one. */
export function createEventSource(runId: string, users: number) {
  const nextSeq = new Array<number>(users).fill(0);
  let cursor = 0;
  return {
    next(): StreamEvent {
      const user = cursor++ % users;
      const seq = ++nextSeq[user];
      const userId = `${runId}-user-${user}`;
      return {
        type: "identify",
        userId,
        messageId: `${userId}-${seq}`,
        traits: { seq, [`s${seq}`]: 1 },
        timestamp: new Date(STREAM_START + seq * SEQ_SPACING_MS).toISOString(),
      };
    },
    get sent() {
      return cursor;
    },
  };
}

export interface PacedSendOptions {
  url: string;
  writeKey: string;
  source: ReturnType<typeof createEventSource>;
  total: number;
  eventsPerSecond: number;
  /** analytics-node batch size. */
  flushAt: number;
}

/**
 * Sends `total` events through analytics-node at a fixed rate, as a Segment library would, and records which were
 * acknowledged (the per-event callback without an error). Resolves after the client has flushed everything.
 */
export async function sendWithAnalytics(options: PacedSendOptions): Promise<{ acked: AckedEvents; failed: number }> {
  const analytics = new Analytics({
    writeKey: options.writeKey,
    host: options.url,
    flushAt: options.flushAt,
    flushInterval: 100,
    maxRetries: 20,
    httpRequestTimeout: 10_000,
  });
  const acked: AckedEvents = new Map();
  let failed = 0;
  const callbacks: Array<Promise<void>> = [];
  const started = performance.now();
  while (options.source.sent < options.total) {
    const due = Math.min(options.total, Math.floor(((performance.now() - started) / 1000) * options.eventsPerSecond) + 1);
    while (options.source.sent < due) {
      const event = options.source.next();
      callbacks.push(
        new Promise((resolve) =>
          analytics.identify({ ...event, timestamp: new Date(event.timestamp) }, (error) => {
            if (error) failed += 1;
            else acked.set(event.messageId, { userId: event.userId, seq: event.traits.seq });
            resolve();
          }),
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await analytics.closeAndFlush({ timeout: 120_000 });
  await Promise.all(callbacks);
  return { acked, failed };
}

export interface StreamVerdict {
  acked: number;
  /** Acked events with no inbound row, or whose attribute never reached Personalize. */
  lost: string[];
  /** Trait deliveries beyond the first, counted over successful PATCHes. */
  duplicates: number;
  /** Acked events the server stored more than once (resends it de-duplicated by messageId). */
  deduplicatedAtIngest: number;
  /** Users whose successful PATCHes carried `seq` out of order, or whose final `seq` is not the last acked. */
  orderViolations: number;
  /** Inbound or outbound rows that ended failed or dead-lettered. */
  failedRows: number;
  /** False when the emulator dropped records, so duplicates and order could not be counted from all of them. */
  complete: boolean;
}

export async function verifyStream(
  personalize: PersonalizeEmulator,
  store: Store,
  installationUid: string,
  acked: AckedEvents,
): Promise<StreamVerdict> {
  const inbound = await store.queryLog({ installationUid, directions: ["inbound"], limit: Math.max(1000, acked.size * 3) });
  const stored = new Set(inbound.filter((row) => row.status !== "rejected" && row.status !== "deduplicated").map((row) => row.messageId));
  const failed = await store.queryLog({ installationUid, statuses: ["failed", "dead_lettered"], limit: 1000 });

  const lost: string[] = [];
  const ackedByUser = new Map<string, AckedEvent[]>();
  for (const [messageId, event] of acked) {
    if (!stored.has(messageId) || personalize.userAttributes(TEST_PROJECT_UID, event.userId)?.[`s${event.seq}`] !== 1) lost.push(messageId);
    if (!ackedByUser.has(event.userId)) ackedByUser.set(event.userId, []);
    ackedByUser.get(event.userId)!.push(event);
  }
  const eventOf = (userId: string, seq: number) => acked.get(`${userId}-${seq}`);

  const deliveries = new Map<string, number>();
  const delivered = new Map<string, number[]>();
  for (const request of personalize.requests({ path: "/user-attributes" })) {
    const userId = request.userUid;
    if (request.method !== "PATCH" || request.response?.status !== 200 || !userId || !ackedByUser.has(userId)) continue;
    const body = JSON.parse(request.body) as Record<string, unknown>;
    for (const key of Object.keys(body)) if (/^s\d+$/.test(key)) deliveries.set(`${userId}/${key}`, (deliveries.get(`${userId}/${key}`) ?? 0) + 1);
    if (typeof body.seq === "number") delivered.set(userId, [...(delivered.get(userId) ?? []), body.seq]);
  }
  // A user's order is violated when a PATCH lands after one it must precede, or when the final `seq` comes from an
  // event that some other acked event must follow.
  let orderViolations = 0;
  for (const [userId, events] of ackedByUser) {
    const seqs = delivered.get(userId) ?? [];
    const landedOutOfOrder = seqs.some((earlier, i) =>
      seqs.slice(i + 1).some((later) => {
        const [first, second] = [eventOf(userId, later), eventOf(userId, earlier)];
        return later < earlier && (first && second ? mustPrecede(first, second) : true);
      }),
    );
    const final = eventOf(userId, Number(personalize.userAttributes(TEST_PROJECT_UID, userId)?.seq));
    const overwritten = !final || events.some((event) => event !== final && mustPrecede(final, event));
    if (landedOutOfOrder || overwritten) orderViolations += 1;
  }
  return {
    acked: acked.size,
    lost,
    duplicates: [...deliveries.values()].reduce((sum, n) => sum + n - 1, 0),
    deduplicatedAtIngest: inbound.filter((row) => row.status === "deduplicated").length,
    orderViolations,
    failedRows: failed.length,
    complete: personalize.stats().droppedRecords === 0,
  };
}
