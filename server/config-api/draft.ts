/**
 * What the config screen sends is its unsaved draft. These read it as the server would read a saved installation:
 * validated by the installation schemas (400 naming the field), secrets the draft leaves empty taken from the
 * saved installation (the UI only ever sees them masked), and Personalize hosts resolved by the SSRF guard.
 */
import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import {
  describeIssue,
  SECRET_KEYS,
  type Configuration,
  type InstallationData,
  type ServerConfiguration,
} from "../../src/shared/installation-config.ts";
import { sessionOf } from "../auth/session-routes.ts";
import { resolvePersonalizeEndpoints } from "../delivery/personalize-endpoints.ts";
import { HttpError } from "../http/errors.ts";
import type { Installations } from "../installations/installations.ts";
import type { ManagementTarget } from "../personalize-management/client.ts";
import type { Installation } from "../store/types.ts";

export function fieldError(path: PropertyKey[], message: string): HttpError {
  return new HttpError(400, "invalid_request", describeIssue({ path, message }));
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new HttpError(400, "invalid_request", describeIssue(parsed.error.issues[0]));
  return parsed.data;
}

/** The session's installation as saved. */
export async function sessionInstallation(installations: Installations, request: FastifyRequest): Promise<Installation> {
  const installation = await installations.get(sessionOf(request).installationUid);
  if (!installation) throw new HttpError(404, "unknown_installation", "this installation was removed; reinstall the app");
  return installation;
}

/** The draft's secrets, each empty one replaced by the saved one; the token type travels with its token. */
export function withSavedSecrets(draft: ServerConfiguration, saved: ServerConfiguration): ServerConfiguration {
  const merged = { ...draft };
  for (const key of SECRET_KEYS) if (!draft[key]) merged[key] = saved[key];
  if (!draft.personalizeManagementToken) merged.personalizeManagementTokenType = saved.personalizeManagementTokenType;
  return merged;
}

export interface PersonalizeTarget {
  projectUid: string;
  edge: string;
  /** null when a custom region has no Management API URL. */
  management: string | null;
}

/** The project and base URLs to call, or a 400 when the draft lacks them or names a host we may not call. */
export function personalizeTarget(configuration: Configuration, hostAllowlist: readonly string[]): PersonalizeTarget {
  const { personalize } = configuration;
  if (!personalize.projectUid) throw fieldError(["configuration", "personalize", "projectUid"], "is required");
  const endpoints = resolvePersonalizeEndpoints(personalize, hostAllowlist);
  if (!endpoints.ok) throw new HttpError(400, "host_not_allowed", endpoints.reason);
  return { projectUid: personalize.projectUid, edge: endpoints.edge, management: endpoints.management };
}

/** Who to call on the Management API, or a 400 naming what the draft is missing. */
export function managementTarget(target: PersonalizeTarget, data: InstallationData, organizationUid: string): ManagementTarget {
  const token = data.serverConfiguration.personalizeManagementToken;
  if (!token) throw fieldError(["serverConfiguration", "personalizeManagementToken"], "is required to use the Management API");
  if (!target.management) {
    throw fieldError(["configuration", "personalize", "customManagementUrl"], "is required to use the Management API");
  }
  return {
    baseUrl: target.management,
    projectUid: target.projectUid,
    token,
    tokenType: data.serverConfiguration.personalizeManagementTokenType,
    organizationUid,
  };
}
