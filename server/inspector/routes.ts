/**
 * The user inspector's routes (src/shared/user-inspector.ts is the contract), scoped to the session's
 * installation: `GET /api/inspector/user?userId=…` (add `refresh=1` to re-read the Personalize definitions,
 * `manifest=0` to skip the live Edge call) and `POST /api/inspector/forget {userId}`, a privacy request. The id
 * travels in the query or body, not the path: Segment ids may be long and may hold any character.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { userIdSchema, type ForgetResult, type UserInspection } from "../../src/shared/user-inspector.ts";
import type { ProjectDefinitionsCache } from "../audiences/project-definitions.ts";
import { sessionOf } from "../auth/session-routes.ts";
import { createHttpSender } from "../delivery/http-sender.ts";
import { resolvePersonalizeEndpoints } from "../delivery/personalize-endpoints.ts";
import { parseBody } from "../config-api/draft.ts";
import { HttpError } from "../http/errors.ts";
import type { Installations } from "../installations/installations.ts";
import type { Installation, LogRow, Store } from "../store/types.ts";
import { parseManifest } from "../two-way/assignments.ts";
import { buildUserReport, type ManifestAnswer } from "./user-report.ts";

/** The newest rows of one user that the view reads; older ones are summarised as "truncated". */
export const USER_ROWS_READ = 1000;
/** Anonymous profiles merged into the user whose rows are read too. */
const MERGED_PROFILES_READ = 5;
const MANIFEST_TIMEOUT_MS = 5000;

const forgetSchema = z.object({ userId: userIdSchema });
const querySchema = z.object({
  userId: userIdSchema,
  refresh: z.enum(["0", "1"], { error: 'must be "0" or "1"' }).default("0"),
  manifest: z.enum(["0", "1"], { error: 'must be "0" or "1"' }).default("1"),
});


export interface InspectorDependencies {
  store: Store;
  installations: Installations;
  definitions: ProjectDefinitionsCache;
  hostAllowlist: readonly string[];
}

export async function inspectorRoutes(app: FastifyInstance, deps: InspectorDependencies) {
  const { store } = deps;
  const sender = createHttpSender({ timeoutMs: MANIFEST_TIMEOUT_MS, connectionsPerOrigin: 4 });
  app.addHook("onClose", async () => sender.close());

  const installationOf = async (installationUid: string): Promise<Installation> => {
    const installation = await deps.installations.get(installationUid);
    if (!installation) throw new HttpError(404, "unknown_installation", "this installation was removed; reinstall the app");
    return installation;
  };

  /** What Edge /manifest gives the user now, without a visitor request (so no preset attributes). */
  const manifestNow = async (installation: Installation, userId: string): Promise<ManifestAnswer> => {
    const { personalize } = installation.configuration;
    const endpoints = resolvePersonalizeEndpoints(personalize, deps.hostAllowlist);
    if (!endpoints.ok) return { ok: false, reason: endpoints.reason };
    if (!personalize.projectUid) return { ok: false, reason: "Personalize is not configured: set the project UID" };
    const report = await sender.send({
      method: "GET",
      url: `${endpoints.edge}/manifest`,
      headers: { "x-project-uid": personalize.projectUid, "x-cs-personalize-user-uid": userId },
      body: "",
    });
    if (report.result.kind !== "response") return { ok: false, reason: `Edge /manifest did not answer (${report.result.kind})` };
    if (report.result.status < 200 || report.result.status > 299) return { ok: false, reason: `Edge /manifest answered HTTP ${report.result.status}` };
    const assignments = parseManifest(report.responseBody);
    return assignments ? { ok: true, assignments } : { ok: false, reason: "Edge /manifest answered something other than {experiences:[…]}" };
  };

  app.get("/api/inspector/user", async (request): Promise<UserInspection> => {
    const { installationUid } = sessionOf(request);
    const query = parseBody(querySchema, request.query);
    const { userId } = query;
    const installation = await installationOf(installationUid);
    const [found, definitions, manifest] = await Promise.all([
      store.queryLog({ installationUid, userId, limit: USER_ROWS_READ + 1 }),
      deps.definitions.get(installation, query.refresh === "1"),
      query.manifest === "1" ? manifestNow(installation, userId) : Promise.resolve<ManifestAnswer>({ ok: false, reason: "not asked" }),
    ]);
    const rows = found.slice(0, USER_ROWS_READ);
    const sources = new Set<string>();
    for (const row of rows) {
      if (row.direction !== "personalize" || row.eventType !== "merge" || sources.size >= MERGED_PROFILES_READ) continue;
      const source = mergeSourceOf(row);
      if (source && source !== userId) sources.add(source);
    }
    const mergedRows = new Map<string, LogRow[]>();
    for (const source of sources) mergedRows.set(source, await store.queryLog({ installationUid, userId: source, limit: USER_ROWS_READ }));
    return buildUserReport({
      userId,
      now: Date.now(),
      rows,
      truncated: found.length > USER_ROWS_READ,
      mergedRows,
      configuration: installation.configuration,
      definitions,
      manifest,
    });
  });

  app.post("/api/inspector/forget", async (request): Promise<ForgetResult> => {
    const { installationUid } = sessionOf(request);
    const { userId } = parseBody(forgetSchema, request.body);
    const result = await store.forgetUser(installationUid, userId);
    const [auditLogId] = await store.appendFinal(
      installationUid,
      [
        {
          direction: "inbound",
          status: "filtered",
          eventType: "privacy",
          eventName: "forget user",
          // No user id, payload or message id: the audit row must not keep what was just removed.
          error: `privacy request: ${result.removed} log row${result.removed === 1 ? "" : "s"} of one user removed${result.open ? `, ${result.open} still being delivered` : ""}`,
          detail: { privacy: { removed: result.removed, stillOpen: result.open } },
        },
      ],
      Date.now(),
    );
    const cannotRemove = [
      "the user's profile in Personalize (its attributes and events): Personalize offers no API to delete a user",
      "the user's data in Segment: send a deletion request from Segment's Privacy Portal",
      "merges that name this user under another user's id, and events still waiting to be written to the log",
    ];
    if (result.open) cannotRemove.unshift(`${result.open} row${result.open === 1 ? "" : "s"} still being delivered: forget this user again once they settle`);
    return { removed: result.removed, stillOpen: result.open, cannotRemove, auditLogId: auditLogId! };
  });
}

function mergeSourceOf(row: LogRow): string | null {
  const body = (row.payload as { body?: unknown } | null)?.body;
  if (typeof body !== "string") return null;
  try {
    const parsed = JSON.parse(body) as { sourceUserUid?: unknown };
    return typeof parsed.sourceUserUid === "string" ? parsed.sourceUserUid : null;
  } catch {
    return null;
  }
}
