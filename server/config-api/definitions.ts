/**
 * The project's attributes, events and audiences for the config screen, and creating a missing attribute or
 * event. Creating is opt-in (a click) and limited to keys the draft maps (personalize-api.md §7.4): credentials
 * are user-bound, the request budget is shared and the 100-item caps fill fast.
 */
import type { PersonalizeCatalog } from "../../src/config-screen/api.ts";
import type { Configuration } from "../../src/shared/installation-config.ts";
import { HttpError } from "../http/errors.ts";
import { ManagementApiError, type ProjectManagementApi } from "../personalize-management/client.ts";
import { fieldError } from "./draft.ts";

type CatalogAttribute = PersonalizeCatalog["attributes"][number];
type CatalogEvent = PersonalizeCatalog["events"][number];

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const uidOf = (item: Record<string, unknown>) => text(item.uid) || text(item._id);

function toAttribute(item: Record<string, unknown>): CatalogAttribute {
  const key = text(item.key);
  return { uid: uidOf(item), key, name: text(item.name) || key, type: text(item.__type) };
}

function toEvent(item: Record<string, unknown>): CatalogEvent {
  const key = text(item.key);
  return { uid: uidOf(item), key, name: text(item.name) || key };
}

export async function loadCatalog(api: ProjectManagementApi): Promise<PersonalizeCatalog> {
  // Settled, not raced: a failed list must not leave the others still running after we have answered.
  const lists = await Promise.allSettled([api.list("attributes"), api.list("events"), api.list("audiences")]);
  const failed = lists.find((list) => list.status === "rejected");
  if (failed) throw upstreamFailure(failed.reason);
  const [attributes, events, audiences] = lists.map((list) => (list as PromiseFulfilledResult<Record<string, unknown>[]>).value);
  return {
    attributes: attributes.map(toAttribute).filter((attribute) => attribute.key),
    events: events.map(toEvent).filter((event) => event.key),
    audiences: audiences.map((item) => ({ uid: uidOf(item), name: text(item.name) })).filter((audience) => audience.uid),
  };
}

export interface CreateRequest {
  kind: "attribute" | "event";
  key: string;
  name?: string;
  description?: string;
}

export async function createDefinition(
  api: ProjectManagementApi,
  configuration: Configuration,
  request: CreateRequest,
): Promise<CatalogAttribute | CatalogEvent> {
  const { kind, key } = request;
  const mapped =
    kind === "attribute"
      ? configuration.attributeMappings.some((row) => row.attribute === key)
      : configuration.eventMappings.some((row) => row.personalizeEvent === key);
  if (!mapped) {
    const rows = kind === "attribute" ? "attribute mappings" : "event mappings";
    throw fieldError(["key"], `"${key}" is not a target of the ${rows}; only mapped keys can be created`);
  }
  const description = request.description ?? "";
  try {
    return kind === "attribute"
      ? toAttribute(await api.create("attributes", { name: request.name || key, key, description }))
      : toEvent(await api.create("events", { key, description }));
  } catch (error) {
    throw upstreamFailure(error);
  }
}

/** A Management API failure as our answer: never 401 (that would end the UI's own session). */
function upstreamFailure(error: unknown): unknown {
  if (!(error instanceof ManagementApiError)) return error;
  const { status, message } = error;
  if (status === 401 || status === 403) {
    return new HttpError(422, "token_rejected", `Personalize rejected the Management API token: ${message}`);
  }
  // Unconfirmed (§7.1): the duplicate-key status; 409 is the natural one, other 4xx may say it in words.
  if (status === 409 || (status !== null && status < 500 && /already exists|duplicate/i.test(message))) {
    return new HttpError(409, "duplicate", message);
  }
  if (status === 429) {
    return new HttpError(502, "upstream_rate_limited", "Personalize's rate limit (10 requests/s per organization) was reached; retry in a few seconds");
  }
  if (status === null) return new HttpError(502, "upstream_unreachable", `Personalize Management API: ${message}`);
  return new HttpError(502, "upstream_error", `Personalize Management API answered HTTP ${status}: ${message}`);
}
