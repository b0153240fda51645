/**
 * Each installation's Personalize definitions (attributes, audiences, experiences) from the Management API,
 * cached per process, and the attribute types their audience rules imply. The planner reads the types
 * synchronously: a miss or a stale entry answers what is cached (nothing, at first) and starts one refresh in the
 * background, so delivery never waits on the Management API. The inspector and the config screen refresh on demand.
 */
import type { FastifyBaseLogger } from "fastify";
import { ruleCombinationSchema, type RuleCombination } from "../../src/shared/audiences.ts";
import { resolvePersonalizeEndpoints } from "../delivery/personalize-endpoints.ts";
import { NO_REQUIRED_TYPES, type RequiredTypes } from "../mapping/types.ts";
import { createManagementClient, type ManagementClient } from "../personalize-management/client.ts";
import { createRateLimiter } from "../personalize-management/rate-limiter.ts";
import type { Installation } from "../store/types.ts";
import { deriveRequirements, type NamedAudience } from "./required-types.ts";

export interface ProjectAttribute {
  uid: string;
  key: string;
  name: string;
  preset: boolean;
}

export interface ProjectVariant {
  shortUid: string;
  name: string;
  audiences: string[];
  audienceCombinationType: "AND" | "OR";
}

export interface ProjectExperience {
  uid: string;
  shortUid: string;
  name: string;
  type: string;
  status: string;
  /** 1 = highest: the Management API and /manifest list experiences in priority order. */
  priority: number;
  targeting: { audiences: string[]; audienceCombinationType: "AND" | "OR" } | null;
  variants: ProjectVariant[];
}

export interface ProjectDefinitions {
  fetchedAt: number;
  attributes: ProjectAttribute[];
  audiences: NamedAudience[];
  experiences: ProjectExperience[];
  requirements: RequiredTypes;
  /** Audiences whose definition this app could not read (a shape it does not know). */
  unreadable: string[];
}

/** `upstream`: the Management API failed (worth a warning), rather than the installation not being set up for it. */
export type DefinitionsResult = { ok: true; definitions: ProjectDefinitions } | { ok: false; reason: string; upstream?: boolean };

const TTL_MS = 5 * 60_000;
/** After a failure, the planner's background refresh waits this long before trying again. */
const RETRY_AFTER_FAILURE_MS = 30_000;

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const uidOf = (item: Record<string, unknown>) => text(item.uid) || text(item._id);

function selection(value: unknown): { audiences: string[]; audienceCombinationType: "AND" | "OR" } | null {
  const record = (value ?? {}) as Record<string, unknown>;
  const audiences = Array.isArray(record.audiences) ? record.audiences.filter((uid): uid is string => typeof uid === "string") : [];
  if (audiences.length === 0) return null;
  return { audiences, audienceCombinationType: record.audienceCombinationType === "AND" ? "AND" : "OR" };
}

/** Reads the Management API's lists (personalize-api.md §7.3) into what the inspector and the mapping need. */
export function readDefinitions(
  lists: { attributes: Record<string, unknown>[]; audiences: Record<string, unknown>[]; experiences: Record<string, unknown>[] },
  now: number,
): ProjectDefinitions {
  const attributes = lists.attributes
    .map((item) => ({ uid: uidOf(item), key: text(item.key), name: text(item.name) || text(item.key), preset: item.__type === "PRESET" }))
    .filter((attribute) => attribute.key);
  const keyByRef = new Map<string, string>();
  for (const attribute of attributes) keyByRef.set(attribute.key, attribute.key);
  for (const attribute of attributes) if (attribute.uid) keyByRef.set(attribute.uid, attribute.key);
  const attributeKeyOf = (ref: string) => keyByRef.get(ref);

  const audiences: NamedAudience[] = [];
  const unreadable: string[] = [];
  for (const item of lists.audiences) {
    const name = text(item.name) || uidOf(item);
    const definition = ruleCombinationSchema.safeParse(item.definition);
    if (definition.success) audiences.push({ uid: uidOf(item), name, definition: definition.data as RuleCombination });
    else unreadable.push(name);
  }

  const experiences: ProjectExperience[] = lists.experiences.map((item, index) => {
    const variants = (Array.isArray(item.variants) ? item.variants : Array.isArray(item.variations) ? item.variations : []) as Record<string, unknown>[];
    const targeting = selection((item.targeting as Record<string, unknown> | undefined)?.audience);
    return {
      uid: uidOf(item),
      shortUid: text(item.shortUid),
      name: text(item.name) || text(item.shortUid),
      type: text(item.__type),
      status: text(item.status) || "ACTIVE",
      priority: index + 1,
      targeting,
      variants: variants.map((variant) => {
        const chosen = selection(variant);
        return {
          shortUid: text(variant.shortUid),
          name: text(variant.name) || text(variant.shortUid),
          audiences: chosen?.audiences ?? [],
          audienceCombinationType: chosen?.audienceCombinationType ?? "OR",
        };
      }),
    };
  });

  return { fetchedAt: now, attributes, audiences, experiences, requirements: deriveRequirements(audiences, attributeKeyOf), unreadable };
}

export function createProjectDefinitions(options: { hostAllowlist: readonly string[]; log: FastifyBaseLogger; management?: ManagementClient }) {
  // Half the organization's 10 req/s: the config screen and the two-way sync spend the rest.
  const management = options.management ?? createManagementClient({ limiter: createRateLimiter({ limit: 5, windowMs: 1100 }) });
  const cache = new Map<string, { at: number; result: DefinitionsResult; configKey: string }>();
  const loading = new Map<string, Promise<DefinitionsResult>>();

  /** What the cached entry was read for: a change of project, region or token makes it stale at once. */
  const configKey = (installation: Installation) =>
    JSON.stringify([installation.configuration.personalize, installation.serverConfiguration.personalizeManagementToken]);

  async function fetchDefinitions(installation: Installation): Promise<DefinitionsResult> {
    const { personalize } = installation.configuration;
    const { personalizeManagementToken: token, personalizeManagementTokenType: tokenType } = installation.serverConfiguration;
    if (!personalize.projectUid) return { ok: false, reason: "Personalize is not configured: set the project UID" };
    if (!token) return { ok: false, reason: "no Personalize Management API token is saved, so audiences and experiences cannot be read" };
    const endpoints = resolvePersonalizeEndpoints(personalize, options.hostAllowlist);
    if (!endpoints.ok) return { ok: false, reason: endpoints.reason };
    if (!endpoints.management) return { ok: false, reason: "set the custom Management API URL to read audiences and experiences" };
    const api = management({
      baseUrl: endpoints.management,
      projectUid: personalize.projectUid,
      token,
      tokenType,
      organizationUid: installation.organizationUid,
    });
    try {
      const [attributes, audiences, experiences] = await Promise.all([api.list("attributes"), api.list("audiences"), api.list("experiences")]);
      return { ok: true, definitions: readDefinitions({ attributes, audiences, experiences }, Date.now()) };
    } catch (error) {
      return { ok: false, reason: `the Personalize Management API could not be read: ${(error as Error).message}`, upstream: true };
    }
  }

  function load(installation: Installation): Promise<DefinitionsResult> {
    const running = loading.get(installation.uid);
    if (running) return running;
    const key = configKey(installation);
    const promise = fetchDefinitions(installation)
      .then((result) => {
        if (!result.ok && result.upstream) options.log.warn({ installationUid: installation.uid, reason: result.reason }, "Personalize definitions unavailable");
        cache.set(installation.uid, { at: Date.now(), result, configKey: key });
        return result;
      })
      .finally(() => loading.delete(installation.uid));
    loading.set(installation.uid, promise);
    return promise;
  }

  return {
    /** The definitions, from the cache unless it is stale or `refresh` is set. */
    async get(installation: Installation, refresh = false): Promise<DefinitionsResult> {
      const cached = cache.get(installation.uid);
      if (!refresh && cached && cached.configKey === configKey(installation) && Date.now() - cached.at < TTL_MS) return cached.result;
      return load(installation);
    },

    /** For the planner: never waits; a miss starts a background refresh. */
    requiredTypes(installation: Installation): RequiredTypes {
      const cached = cache.get(installation.uid);
      const fresh = cached && cached.configKey === configKey(installation);
      const age = cached ? Date.now() - cached.at : Number.POSITIVE_INFINITY;
      const due = !fresh || age > (cached.result.ok ? TTL_MS : RETRY_AFTER_FAILURE_MS);
      if (due && !loading.has(installation.uid)) void load(installation);
      return fresh && cached.result.ok ? cached.result.definitions.requirements : NO_REQUIRED_TYPES;
    },

    forget(installationUid: string): void {
      cache.delete(installationUid);
    },
  };
}

export type ProjectDefinitionsCache = ReturnType<typeof createProjectDefinitions>;
