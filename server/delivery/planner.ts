/**
 * Turns claimed inbound events into outbound Edge requests: map each event (pure), group by (installation, user)
 * in arrival order, coalesce each user's operations into the fewest requests with last-write-wins, and build the
 * exact HTTP requests. Pure apart from the lookups the store hands in; plan-step.ts runs it over a batch.
 */
import { coalesceUserOperations, mapEvent, type MappingResult, type PendingItem, type SegmentEvent } from "../mapping/index.ts";
import { NO_REQUIRED_TYPES, type Operation, type RequiredTypes } from "../mapping/types.ts";
import type { Planner } from "./plan-step.ts";
import type { Installation, InboundPlan, OutboundPlan, PlanLookups, PlanResult, QueuedInbound, UserStateUpdate } from "../store/types.ts";
import { buildEdgeRequest } from "./personalize-edge.ts";
import { resolvePersonalizeEndpoints, type EndpointResolution } from "./personalize-endpoints.ts";

/** One event mapped: how its inbound row settles, and the operations it adds to its user's requests (if any). */
export interface MappedEvent {
  inbound: InboundPlan;
  messageId: string | null;
  group: { key: string; installation: Installation; edge: string; userUid: string; operations: Operation[] } | null;
}

/**
 * The planner in two pure phases, so that a large batch can be mapped a chunk at a time with the event loop
 * turning between chunks: `map` each event on its own, then `assemble` the whole batch's requests.
 */
export function createPlanner(
  hostAllowlist: readonly string[],
  requiredTypes: (installation: Installation) => RequiredTypes = () => NO_REQUIRED_TYPES,
): Planner<MappedEvent> {
  // Installations are read once per batch, so their endpoints are resolved once per batch too.
  const endpoints = new WeakMap<Installation, EndpointResolution>();
  return {
    map: (events, installationOf) => events.map((event) => mapOne(event, installationOf(event.installationUid))),
    assemble: (mapped, lookups) => assemble(mapped, lookups),
  };

  function mapOne(event: QueuedInbound, installation: Installation | null): MappedEvent {
    const messageId = typeof event.payload.messageId === "string" ? event.payload.messageId : null;
    const settled = (status: InboundPlan["status"], error: string | null, extra: Record<string, unknown> = {}, userId: string | null = null) => ({
      inbound: { id: event.id, status, userId, error, detail: { ...event.detail, ...extra }, openRequests: 0 },
      messageId,
      group: null,
    });
    if (!installation) return settled("filtered", "the installation no longer exists");
    const mapping = mapEvent(event.payload as SegmentEvent, installation.configuration, requiredTypes(installation));
    const mappingDetail = { mapping: summarize(mapping) };
    if (mapping.filtered || !mapping.userUid) return settled("filtered", mapping.filtered?.reason ?? "no user id", mappingDetail, mapping.userUid);
    if (mapping.operations.length === 0) {
      return settled("filtered", "no mapping row, Engage rule or pass-through produced anything to send", mappingDetail, mapping.userUid);
    }
    const { projectUid } = installation.configuration.personalize;
    let resolution = endpoints.get(installation);
    if (!resolution) {
      resolution = resolvePersonalizeEndpoints(installation.configuration.personalize, hostAllowlist);
      endpoints.set(installation, resolution);
    }
    if (!projectUid || !resolution.ok) {
      const reason = !projectUid ? "Personalize is not configured: set the project UID" : resolution.ok ? "" : resolution.reason;
      return settled("filtered", reason, { ...mappingDetail, configurationError: true }, mapping.userUid);
    }
    return {
      ...settled("processing", null, mappingDetail, mapping.userUid),
      group: {
        key: `${installation.uid}\u0000${mapping.userUid}`,
        installation,
        edge: resolution.edge,
        userUid: mapping.userUid,
        operations: mapping.operations,
      },
    };
  }
}

/** Groups the mapped events by (installation, user) in arrival order and coalesces each user's operations. */
function assemble(mapped: MappedEvent[], lookups: PlanLookups): PlanResult {
  const inbound = new Map<number, InboundPlan>();
  const groups = new Map<string, { installation: Installation; edge: string; userUid: string; items: PendingItem[] }>();
  const messageIdOf = new Map<number, string | null>();
  for (const event of mapped) {
    const plan = { ...event.inbound };
    inbound.set(plan.id, plan);
    messageIdOf.set(plan.id, event.messageId);
    if (!event.group) continue;
    let group = groups.get(event.group.key);
    if (!group) {
      group = { installation: event.group.installation, edge: event.group.edge, userUid: event.group.userUid, items: [] };
      groups.set(event.group.key, group);
    }
    group.items.push({ eventId: plan.id, operations: event.group.operations });
  }

  const outbound: OutboundPlan[] = [];
  const userStates: UserStateUpdate[] = [];
  for (const group of groups.values()) {
    const clock = lookups.attributeClock(group.installation.uid, group.userUid);
    const plan = coalesceUserOperations(group.items, clock);
    userStates.push({ installationUid: group.installation.uid, userId: group.userUid, attributeClock: plan.clock });
    for (const request of plan.requests) {
      outbound.push({
        installationUid: group.installation.uid,
        direction: "personalize",
        userId: group.userUid,
        eventType: request.kind,
        eventName: request.kind === "events" ? request.body.map((e) => e.eventKey).join(", ").slice(0, 512) : null,
        messageId: request.eventIds.length === 1 ? messageIdOf.get(request.eventIds[0]) ?? null : null,
        request: buildEdgeRequest(request.kind, request.body, group.userUid, group.installation.configuration.personalize.projectUid, group.edge),
        eventIds: request.eventIds,
        detail: { sources: request.sources },
      });
      for (const eventId of request.eventIds) inbound.get(eventId)!.openRequests += 1;
    }
    const superseded = new Map<number, string[]>();
    for (const entry of plan.superseded) superseded.set(entry.eventId, [...(superseded.get(entry.eventId) ?? []), entry.attribute]);
    for (const [eventId, attributes] of superseded) {
      const plan = inbound.get(eventId)!;
      plan.detail = { ...plan.detail, superseded: attributes };
    }
  }
  for (const plan of inbound.values()) {
    if (plan.status === "processing" && plan.openRequests === 0) {
      plan.status = "filtered";
      plan.error = "every value was superseded by a newer one (last write wins by timestamp)";
    }
  }
  return { inbound: [...inbound.values()], outbound, userStates };
}

/** Both phases at once, for a batch small enough to plan in one go (the mapping tester). */
export function planDeliveries(
  events: QueuedInbound[],
  lookups: PlanLookups,
  hostAllowlist: readonly string[],
  requiredTypes?: (installation: Installation) => RequiredTypes,
): PlanResult {
  const planner = createPlanner(hostAllowlist, requiredTypes);
  return planner.assemble(planner.map(events, lookups.installation), lookups);
}

function summarize(mapping: MappingResult) {
  return { userUid: mapping.userUid, operations: mapping.operations, notes: mapping.notes, engage: mapping.engage, filtered: mapping.filtered };
}
