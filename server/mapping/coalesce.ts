import type { AttributeValue, Operation } from "./types";

export interface PendingItem {
  eventId: number;
  operations: Operation[];
}

export type PlannedRequest =
  | {
      kind: "merge";
      userUid: string;
      body: { sourceUserUid: string; targetUserUid: string };
      eventIds: number[];
      sources: string[];
    }
  | {
      kind: "attributes";
      userUid: string;
      body: Record<string, AttributeValue>;
      eventIds: number[];
      sources: Record<string, string>;
    }
  | {
      kind: "events";
      userUid: string;
      body: Array<{ eventKey: string; type: "EVENT" }>;
      eventIds: number[];
      /** Parallel to `body`. */
      sources: string[];
    };

export interface CoalescedPlan {
  requests: PlannedRequest[];
  /** Attribute → ISO timestamp of the value now applied (a new object). */
  clock: Record<string, string>;
  /** Values not sent: older than the clock, or beaten by a later timestamp (ties: the later arrival). */
  superseded: Array<{ eventId: number; attribute: string }>;
}

interface AttributeWrite {
  eventId: number;
  value: AttributeValue;
  source: string;
  timestamp: string;
  time: number;
  /** Arrival rank, to report superseded values in arrival order. */
  sequence: number;
}

/** Operations between two merges: they can be sent as one PATCH and one POST /events. */
interface Run {
  userUid: string | null;
  attributes: Map<string, AttributeWrite>;
  events: Array<{ eventId: number; eventKey: string; source: string }>;
}

/**
 * Plans the fewest Edge requests for one user's pending operations (in arrival order). A merge splits the
 * stream: what came before it is sent before it, because the merge copies the source user's values over the
 * target's. Within a run between merges, each attribute keeps the write with the latest event timestamp (ties: later
 * arrival), and a write older than the clock of earlier batches is not sent.
 */
export function coalesceUserOperations(items: PendingItem[], clock: Record<string, string>): CoalescedPlan {
  const requests: PlannedRequest[] = [];
  const appliedClock = new Map(Object.entries(clock));
  const superseded: Array<AttributeWrite & { attribute: string }> = [];
  let run = emptyRun();
  let sequence = 0;

  for (const { eventId, operations } of items) {
    for (const operation of operations) {
      if (operation.kind === "merge") {
        flushRun(run, requests, appliedClock, superseded);
        run = emptyRun();
        addMerge(requests, eventId, operation);
      } else if (operation.kind === "event") {
        run.userUid ??= operation.userUid;
        run.events.push({ eventId, eventKey: operation.eventKey, source: operation.source });
      } else {
        run.userUid ??= operation.userUid;
        const time = timeOf(operation.timestamp);
        for (const [attribute, value] of Object.entries(operation.attributes)) {
          const write: AttributeWrite = {
            eventId,
            value,
            source: Object.hasOwn(operation.sources, attribute) ? operation.sources[attribute] : "",
            timestamp: operation.timestamp,
            time,
            sequence: sequence++,
          };
          const current = run.attributes.get(attribute);
          if (current && write.time < current.time) {
            superseded.push({ ...write, attribute });
          } else {
            if (current) superseded.push({ ...current, attribute });
            run.attributes.set(attribute, write);
          }
        }
      }
    }
  }
  flushRun(run, requests, appliedClock, superseded);

  return {
    requests,
    clock: Object.fromEntries(appliedClock),
    superseded: superseded
      .sort((a, b) => a.sequence - b.sequence)
      .map(({ eventId, attribute }) => ({ eventId, attribute })),
  };
}

function emptyRun(): Run {
  return { userUid: null, attributes: new Map(), events: [] };
}

function flushRun(
  run: Run,
  requests: PlannedRequest[],
  clock: Map<string, string>,
  superseded: Array<AttributeWrite & { attribute: string }>,
): void {
  if (run.userUid === null) return;
  const applied: Array<[string, AttributeWrite]> = [];
  for (const [attribute, write] of run.attributes) {
    const clockTime = clock.has(attribute) ? timeOf(clock.get(attribute)!) : -Infinity;
    if (write.time < clockTime) {
      superseded.push({ ...write, attribute });
      continue;
    }
    applied.push([attribute, write]);
    if (Number.isFinite(write.time)) clock.set(attribute, write.timestamp);
  }
  if (applied.length) {
    requests.push({
      kind: "attributes",
      userUid: run.userUid,
      body: Object.fromEntries(applied.map(([attribute, write]) => [attribute, write.value])),
      eventIds: unique(
        applied
          .map(([, write]) => write)
          .sort((a, b) => a.sequence - b.sequence)
          .map(({ eventId }) => eventId),
      ),
      sources: Object.fromEntries(applied.map(([attribute, write]) => [attribute, write.source])),
    });
  }
  if (run.events.length) {
    requests.push({
      kind: "events",
      userUid: run.userUid,
      body: run.events.map(({ eventKey }) => ({ eventKey, type: "EVENT" })),
      eventIds: unique(run.events.map(({ eventId }) => eventId)),
      sources: run.events.map(({ source }) => source),
    });
  }
}

/** A merge directly after an identical merge, with nothing in between, adds nothing: it joins that request. */
function addMerge(requests: PlannedRequest[], eventId: number, merge: Extract<Operation, { kind: "merge" }>): void {
  const previous = requests.at(-1);
  if (
    previous?.kind === "merge" &&
    previous.body.sourceUserUid === merge.sourceUserUid &&
    previous.body.targetUserUid === merge.targetUserUid
  ) {
    if (!previous.eventIds.includes(eventId)) previous.eventIds.push(eventId);
    previous.sources.push(merge.source);
    return;
  }
  requests.push({
    kind: "merge",
    userUid: merge.targetUserUid,
    body: { sourceUserUid: merge.sourceUserUid, targetUserUid: merge.targetUserUid },
    eventIds: [eventId],
    sources: [merge.source],
  });
}

/** Epoch ms; an unparsable timestamp sorts before every real one. */
function timeOf(timestamp: string): number {
  const epochMs = Date.parse(timestamp);
  return Number.isNaN(epochMs) ? -Infinity : epochMs;
}

function unique(ids: number[]): number[] {
  return [...new Set(ids)];
}
