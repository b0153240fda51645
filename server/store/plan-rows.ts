/**
 * What committing a plan writes besides the requests themselves, worked out once for both stores: each planned
 * event's row (its detail naming the requests made for it), one clock per user (the last one planned), and the
 * rows each installation sees changed.
 */
import { compactStored, decodeJson, encodeJson } from "./json-codec.ts";
import type { Row } from "./rows.ts";
import type { InboundPlan, PlanResult, QueuedInbound } from "./types.ts";

export interface PlannedInboundRow {
  id: number;
  status: string;
  userId: string | null;
  error: string | null;
  /** The event as it is kept once planned (it waited in the queue as plain JSON). */
  payload: Buffer | null;
  detail: Buffer | null;
  openRequests: number;
}

export const userKey = (installationUid: string, userId: string) => `${installationUid}\u0000${userId}`;

/**
 * `outboundIds[i]` is the id the store gave `plan.outbound[i]`; `storedPayloads` holds each event's payload column
 * as the queue returned it (storedPayloads below).
 */
export function planRows(events: QueuedInbound[], plan: PlanResult, outboundIds: readonly number[], storedPayloads: ReadonlyMap<number, unknown>) {
  const changed = new Map<string, number[]>();
  const note = (installationUid: string, id: number) => {
    const ids = changed.get(installationUid);
    if (ids) ids.push(id);
    else changed.set(installationUid, [id]);
  };
  const outboundIdsByEvent = new Map<number, number[]>();
  plan.outbound.forEach((out, index) => {
    note(out.installationUid, outboundIds[index]);
    for (const eventId of out.eventIds) {
      const ids = outboundIdsByEvent.get(eventId);
      if (ids) ids.push(outboundIds[index]);
      else outboundIdsByEvent.set(eventId, [outboundIds[index]]);
    }
  });
  const installationOf = new Map(events.map((event) => [event.id, event.installationUid]));
  const inbound = plan.inbound.map((row): PlannedInboundRow => {
    note(installationOf.get(row.id)!, row.id);
    return {
      id: row.id,
      status: row.status,
      userId: row.userId,
      error: row.error,
      payload: compactStored(storedPayloads.get(row.id)),
      detail: encodeJson({ ...row.detail, outboundIds: outboundIdsByEvent.get(row.id) ?? [] }),
      openRequests: row.openRequests,
    };
  });
  const clocks = [...new Map(plan.userStates.map((state) => [userKey(state.installationUid, state.userId), state])).values()].map(
    (state) => ({ installationUid: state.installationUid, userId: state.userId, clock: JSON.stringify(state.attributeClock) }),
  );
  return { inbound, clocks, changed };
}

/**
 * Events per part when a store writes a plan a part at a time, the event loop turning between parts: encoding and
 * writing a planned event takes about 40 µs, so a part holds ingest back about 10 ms.
 */
export const PLAN_PART_EVENTS = 250;

/** A part of a plan and the events it settles, as splitPlan gives them. */
export interface PlanPart {
  events: QueuedInbound[];
  plan: PlanResult;
}

/**
 * Splits a plan into parts of at most `maxEvents` events (or one user's, when more) that can be committed one
 * after another: each user's events, requests and clock stay in one part, so that a part holds everything a lane
 * and a clock depend on, and each user's requests keep their order. (A plan whose request serves events of several
 * users stays whole.)
 */
export function splitPlan(events: QueuedInbound[], plan: PlanResult, maxEvents: number): PlanPart[] {
  if (events.length <= maxEvents) return [{ events, plan }];
  const installationOf = new Map(events.map((event) => [event.id, event.installationUid]));
  const keyOf = (row: InboundPlan) => (row.userId === null ? `#${row.id}` : userKey(installationOf.get(row.id)!, row.userId));
  const eventKey = new Map(plan.inbound.map((row) => [row.id, keyOf(row)]));
  const rowsByKey = new Map<string, InboundPlan[]>();
  for (const row of plan.inbound) {
    const key = eventKey.get(row.id)!;
    const rows = rowsByKey.get(key);
    if (rows) rows.push(row);
    else rowsByKey.set(key, [row]);
  }
  const parts: PlanPart[] = [];
  const partOf = new Map<string, PlanPart>();
  let open: PlanPart | null = null;
  for (const [key, rows] of rowsByKey) {
    if (!open || (open.plan.inbound.length > 0 && open.plan.inbound.length + rows.length > maxEvents)) {
      open = { events: [], plan: { inbound: [], outbound: [], userStates: [] } };
      parts.push(open);
    }
    for (const row of rows) open.plan.inbound.push(row);
    partOf.set(key, open);
  }
  for (const out of plan.outbound) {
    const keys = new Set(out.eventIds.map((id) => eventKey.get(id)));
    if (keys.size !== 1) return [{ events, plan }];
    partOf.get([...keys][0]!)!.plan.outbound.push(out);
  }
  for (const state of plan.userStates) (partOf.get(userKey(state.installationUid, state.userId)) ?? parts[0]).plan.userStates.push(state);
  const eventById = new Map(events.map((event) => [event.id, event]));
  for (const part of parts) part.events = part.plan.inbound.map((row) => eventById.get(row.id)!);
  return parts;
}

/** The payload column of each selected queued row, by id, for planRows. */
export function storedPayloads(rows: Row[]): Map<number, unknown> {
  return new Map(rows.map((row) => [Number(row.id), row.payload]));
}

export function decodeQueued(row: Row): QueuedInbound {
  return {
    id: Number(row.id),
    installationUid: String(row.installation_uid),
    createdAt: Number(row.created_at),
    payload: decodeJsonRecord(row.payload),
    detail: decodeJsonRecord(row.detail),
  };
}

function decodeJsonRecord(stored: unknown): Record<string, unknown> {
  return (decodeJson(stored) ?? {}) as Record<string, unknown>;
}
