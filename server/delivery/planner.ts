/**
 * Turns claimed inbound events into outbound Edge requests: map each event (pure), group by (installation, user)
 * in arrival order, coalesce each user's operations into the fewest requests with last-write-wins, and build the
 * exact HTTP requests. Pure apart from the lookups the store hands in.
 */
import { coalesceUserOperations, mapEvent, type MappingResult, type PendingItem, type SegmentEvent } from "../mapping/index.ts";
import { NO_REQUIRED_TYPES, type RequiredTypes } from "../mapping/types.ts";
import type { Installation, InboundPlan, OutboundPlan, PlanLookups, PlanResult, QueuedInbound, UserStateUpdate } from "../store/types.ts";
import { buildEdgeRequest } from "./personalize-edge.ts";
import { resolvePersonalizeEndpoints, type EndpointResolution } from "./personalize-endpoints.ts";

export function planDeliveries(
  events: QueuedInbound[],
  lookups: PlanLookups,
  hostAllowlist: readonly string[],
  requiredTypes: (installation: Installation) => RequiredTypes = () => NO_REQUIRED_TYPES,
): PlanResult {
  const inbound = new Map<number, InboundPlan>();
  const groups = new Map<string, { installation: Installation; edge: string; userUid: string; items: PendingItem[] }>();
  const endpoints = new Map<string, EndpointResolution>();

  for (const event of events) {
    const settle = (status: InboundPlan["status"], error: string | null, extra: Record<string, unknown> = {}, userId: string | null = null) =>
      inbound.set(event.id, { id: event.id, status, userId, error, detail: { ...event.detail, ...extra }, openRequests: 0 });

    const installation = lookups.installation(event.installationUid);
    if (!installation) {
      settle("filtered", "the installation no longer exists");
      continue;
    }
    const mapping = mapEvent(event.payload as SegmentEvent, installation.configuration, requiredTypes(installation));
    const mappingDetail = { mapping: summarize(mapping) };
    if (mapping.filtered || !mapping.userUid) {
      settle("filtered", mapping.filtered?.reason ?? "no user id", mappingDetail, mapping.userUid);
      continue;
    }
    if (mapping.operations.length === 0) {
      settle("filtered", "no mapping row, Engage rule or pass-through produced anything to send", mappingDetail, mapping.userUid);
      continue;
    }
    const { projectUid } = installation.configuration.personalize;
    let resolution = endpoints.get(installation.uid);
    if (!resolution) {
      resolution = resolvePersonalizeEndpoints(installation.configuration.personalize, hostAllowlist);
      endpoints.set(installation.uid, resolution);
    }
    if (!projectUid || !resolution.ok) {
      const reason = !projectUid ? "Personalize is not configured: set the project UID" : resolution.ok ? "" : resolution.reason;
      settle("filtered", reason, { ...mappingDetail, configurationError: true }, mapping.userUid);
      continue;
    }
    settle("processing", null, mappingDetail, mapping.userUid);
    const key = `${installation.uid}\u0000${mapping.userUid}`;
    let group = groups.get(key);
    if (!group) {
      group = { installation, edge: resolution.edge, userUid: mapping.userUid, items: [] };
      groups.set(key, group);
    }
    group.items.push({ eventId: event.id, operations: mapping.operations });
  }

  const outbound: OutboundPlan[] = [];
  const userStates: UserStateUpdate[] = [];
  const messageIdOf = new Map(events.map((e) => [e.id, typeof e.payload.messageId === "string" ? e.payload.messageId : null]));
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

function summarize(mapping: MappingResult) {
  return { userUid: mapping.userUid, operations: mapping.operations, notes: mapping.notes, engage: mapping.engage, filtered: mapping.filtered };
}
