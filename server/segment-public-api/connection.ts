/**
 * Connect and Disconnect through the Public API. Connect makes a source's Webhooks (Actions) destination match
 * webhook-destination.ts: it creates what is missing, updates what differs and writes nothing when all matches
 * (pressing Connect twice changes nothing). Disconnect deletes only the destination carrying this installation's
 * name; Segment deletes its subscriptions with it. Every write is returned, so the UI can say what changed.
 *
 * Versions: destinations are v1; action subscriptions are alpha in Public API 73 (`v1alpha`; their update body is
 * `{ input: {...} }`). Unconfirmed: whether Segment returns the Shared Secret masked in reads; if it does, Connect
 * re-sends it each time (harmless, idempotent).
 */
import type { Configuration, ServerConfiguration } from "../../src/shared/installation-config.ts";
import type { SegmentSourceConnection } from "../../src/shared/segment-connect.ts";
import { SegmentApiError, type PublicApi } from "./client.ts";
import {
  WEBHOOK_ACTION_SLUG,
  canonical,
  desiredSubscriptions,
  destinationName,
  isOurSubscription,
  sameSubscription,
  webhookAuth,
} from "./webhook-destination.ts";

export interface SegmentDestination {
  id: string;
  name: string;
  enabled: boolean;
  sourceId: string;
  metadata: { id: string };
  settings: Record<string, unknown>;
}

export interface SegmentSubscription {
  id: string;
  name: string;
  actionId: string;
  trigger: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

export interface ConnectContext {
  api: PublicApi;
  metadataId: string;
  installationUid: string;
  configuration: Configuration;
  secrets: ServerConfiguration;
  ingestUrl: string;
}

const SUBSCRIPTION_VERSION = "v1alpha";

export async function findOurDestination(api: PublicApi, sourceId: string, metadataId: string, installationUid: string): Promise<SegmentDestination | null> {
  const destinations = await api.list<SegmentDestination>(`/sources/${encodeURIComponent(sourceId)}/connected-destinations`, "destinations");
  const name = destinationName(installationUid);
  return destinations.find((destination) => destination.metadata?.id === metadataId && destination.name === name) ?? null;
}

/** Every destination of this installation in the workspace, by source: one paged list instead of one call per source. */
export async function listOurDestinations(api: PublicApi, metadataId: string, installationUid: string): Promise<Map<string, SegmentDestination>> {
  const name = destinationName(installationUid);
  const destinations = await api.list<SegmentDestination>("/destinations", "destinations");
  return new Map(
    destinations
      .filter((destination) => destination.metadata?.id === metadataId && destination.name === name)
      .map((destination) => [destination.sourceId, destination]),
  );
}

async function sendActionId(api: PublicApi, metadataId: string): Promise<string> {
  const data = await api.get<{ destinationMetadata?: { actions?: Array<{ id: string; slug: string }> } }>(
    `/catalog/destinations/${encodeURIComponent(metadataId)}`,
  );
  const action = data?.destinationMetadata?.actions?.find((candidate) => candidate.slug === WEBHOOK_ACTION_SLUG);
  if (!action) throw new Error(`the catalog entry ${metadataId} has no "${WEBHOOK_ACTION_SLUG}" action; check SEGMENT_WEBHOOK_METADATA_ID`);
  return action.id;
}

/** Creates or updates the source's destination and its subscriptions; returns the writes it made. */
export async function connectSource(context: ConnectContext, sourceId: string): Promise<{ changes: string[]; destination: SegmentDestination }> {
  const { api, metadataId, installationUid } = context;
  const auth = webhookAuth(context.secrets);
  const changes: string[] = [];
  let destination = await findOurDestination(api, sourceId, metadataId, installationUid);
  if (!destination) {
    const created = await api.post<{ destination: SegmentDestination }>("/destinations", {
      sourceId,
      metadataId,
      name: destinationName(installationUid),
      enabled: true,
      settings: auth.destinationSettings,
    });
    destination = created.destination;
    changes.push(`POST /destinations ${destination.id}`);
  } else if (!destination.enabled || canonical(destination.settings ?? {}) !== canonical(auth.destinationSettings)) {
    const updated = await api.patch<{ destination: SegmentDestination }>(`/destinations/${destination.id}`, {
      enabled: true,
      settings: auth.destinationSettings,
    });
    destination = updated.destination;
    changes.push(`PATCH /destinations/${destination.id}`);
  }

  const path = `/destinations/${destination.id}/subscriptions`;
  const existing = (await api.list<SegmentSubscription>(path, "subscriptions", SUBSCRIPTION_VERSION)).filter((s) => isOurSubscription(s.name));
  const desired = desiredSubscriptions(context.configuration, context.ingestUrl, auth);
  let actionId: string | null = null;
  for (const want of desired) {
    const have = existing.find((subscription) => subscription.name === want.name);
    if (have && sameSubscription(have, want)) continue;
    if (have) {
      await api.patch(`${path}/${have.id}`, { input: { trigger: want.trigger, enabled: true, settings: want.settings } }, SUBSCRIPTION_VERSION);
      changes.push(`PATCH ${path}/${have.id}`);
    } else {
      actionId ??= await sendActionId(api, metadataId);
      const body = { name: want.name, actionId, trigger: want.trigger, enabled: true, settings: want.settings };
      const created = await api.post<{ destinationSubscription: SegmentSubscription }>(path, body, SUBSCRIPTION_VERSION);
      changes.push(`POST ${path} ${created.destinationSubscription.id}`);
    }
  }
  for (const stale of existing.filter((subscription) => !desired.some((want) => want.name === subscription.name))) {
    await api.delete(`${path}/${stale.id}`, SUBSCRIPTION_VERSION);
    changes.push(`DELETE ${path}/${stale.id}`);
  }
  return { changes, destination };
}

export async function disconnectSource(api: PublicApi, metadataId: string, installationUid: string, sourceId: string): Promise<string[]> {
  const destination = await findOurDestination(api, sourceId, metadataId, installationUid);
  if (!destination) return [];
  await api.delete(`/destinations/${destination.id}`);
  return [`DELETE /destinations/${destination.id}`];
}

/** The source's connection as Segment holds it, compared with what Connect would make now. */
export async function describeConnection(
  context: ConnectContext,
  sourceId: string,
  latestEvent: SegmentSourceConnection["latestEvent"],
  /** Already looked up (listOurDestinations); undefined to look it up now. */
  known?: SegmentDestination | null,
): Promise<SegmentSourceConnection> {
  const { api, metadataId, installationUid } = context;
  const destination = known === undefined ? await findOurDestination(api, sourceId, metadataId, installationUid) : known;
  if (!destination) return { state: "not_connected", destinationId: null, triggers: [], latestEvent: null };
  const subscriptions = (
    await api.list<SegmentSubscription>(`/destinations/${destination.id}/subscriptions`, "subscriptions", SUBSCRIPTION_VERSION)
  ).filter((subscription) => isOurSubscription(subscription.name));
  const desired = desiredSubscriptions(context.configuration, context.ingestUrl, webhookAuth(context.secrets));
  const current =
    destination.enabled &&
    desired.length === subscriptions.length &&
    desired.every((want) => subscriptions.some((have) => have.name === want.name && sameSubscription(have, want)));
  return {
    state: !current ? "outdated" : (await deliveredToUs(api, sourceId, destination.id)) ? "receiving" : "connected",
    destinationId: destination.id,
    triggers: subscriptions.map((subscription) => subscription.trigger),
    latestEvent,
  };
}

const MINUTE_MS = 60_000;
const DELIVERY_STATUS_MAX_AGE_MS = 5_000;

/**
 * Whether Segment's delivery overview counts a successful delivery by this destination in the last day: events
 * reaching our webhook do not say which source or destination sent them, so this is the per-source signal.
 * Without the role to read it, the connection just shows as connected.
 */
async function deliveredToUs(api: PublicApi, sourceId: string, destinationId: string): Promise<boolean> {
  const end = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
  const params = new URLSearchParams({
    sourceId,
    destinationConfigId: destinationId,
    startTime: new Date(end - 24 * 60 * MINUTE_MS).toISOString(),
    endTime: new Date(end).toISOString(),
    granularity: "HOUR",
  });
  try {
    const data = await api.get<{ total?: number }>(`/delivery-overview/successful-delivery?${params}`, "v1beta", DELIVERY_STATUS_MAX_AGE_MS);
    return Number(data?.total ?? 0) > 0;
  } catch (error) {
    if (error instanceof SegmentApiError) return false;
    throw error;
  }
}
