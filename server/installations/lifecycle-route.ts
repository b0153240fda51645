/**
 * `POST /webhooks/contentstack`: app lifecycle webhooks (install, update, upgrade, uninstall). Verified by
 * Contentstack's signature over the raw body and a 5-minute `triggered_at` window; idempotent upsert on
 * installation_uid; uninstall deletes the installation's data and secrets.
 */
import type { FastifyInstance } from "fastify";
import { describeIssue, installationDataSchema } from "../../src/shared/installation-config.ts";
import { MAX_WEBHOOK_AGE_MS, checkTriggeredAt, verifyLifecycleSignature, type SignaturePadding } from "../auth/lifecycle-signature.ts";
import { createReplayGuard } from "../auth/replay-guard.ts";
import type { SigningKeyProvider } from "../auth/signing-key.ts";
import { HttpError } from "../http/errors.ts";
import { createRateLimit } from "../http/rate-limit.ts";
import { acceptRawJson } from "../http/raw-json.ts";
import type { Installations } from "./installations.ts";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export async function lifecycleRoute(
  app: FastifyInstance,
  deps: { appUid: string; keys: SigningKeyProvider; padding: SignaturePadding; installations: Installations },
) {
  acceptRawJson(app, { gzip: false, bodyLimit: 1024 * 1024 });
  const perIp = createRateLimit({ limit: 120, windowMs: 60_000 });
  // A body passes the freshness check for up to 5 minutes either side of triggered_at.
  const applied = createReplayGuard({ windowMs: 2 * MAX_WEBHOOK_AGE_MS, maxEntries: 10_000 });

  app.addHook("onRequest", async (request) => perIp.take(request.ip, "lifecycle webhooks from this address"));

  app.post("/webhooks/contentstack", async (request) => {
    const header = request.headers["x-contentstack-request-signature"];
    const rawBody = request.rawBody ?? Buffer.alloc(0);
    const signatureProblem = await verifyLifecycleSignature(
      rawBody,
      typeof header === "string" ? header : undefined,
      deps.keys,
      deps.padding,
    );
    if (signatureProblem) throw new HttpError(401, "invalid_signature", signatureProblem);
    const body = request.body;
    if (!isObject(body)) throw new HttpError(400, "invalid_request", "body must be a JSON object");
    const stale = checkTriggeredAt(body.triggered_at, Date.now());
    if (stale) throw new HttpError(401, "stale_webhook", stale);
    if (applied.seen(rawBody, Date.now())) {
      throw new HttpError(409, "replayed_webhook", "this lifecycle webhook was already applied (same signed body); nothing changed");
    }
    const event = await applyLifecycleEvent(body, deps);
    applied.remember(rawBody, Date.now());
    return { ok: true, event };
  });
}

/** Applies a verified, fresh lifecycle webhook; returns its event name. */
async function applyLifecycleEvent(body: Record<string, unknown>, deps: { appUid: string; installations: Installations }): Promise<string> {
  const data = isObject(body.data) ? body.data : {};
  const app_installation = isObject(data.app_installation) ? data.app_installation : null;
  if (!app_installation) throw new HttpError(400, "invalid_request", "data.app_installation is required");
  const installationUid = typeof app_installation.installation_uid === "string" ? app_installation.installation_uid : "";
  if (!installationUid) throw new HttpError(400, "invalid_request", "data.app_installation.installation_uid is required");
  if (app_installation.app_uid !== deps.appUid) {
    throw new HttpError(403, "wrong_app", "data.app_installation.app_uid is not this app");
  }

  const event = String(body.event ?? "");
  if (event === "uninstall") {
    await deps.installations.remove(installationUid);
    return event;
  }
  if (!["install", "update", "upgrade"].includes(event)) {
    throw new HttpError(400, "invalid_request", `event "${event.slice(0, 40)}" is not install, update, upgrade or uninstall`);
  }
  const target = isObject(app_installation.target) ? app_installation.target : {};
  const identity = {
    uid: installationUid,
    stackApiKey: String(target.uid ?? body.api_key ?? ""),
    organizationUid: String(app_installation.organization_uid ?? ""),
    appUid: deps.appUid,
  };
  if (!identity.stackApiKey) throw new HttpError(400, "invalid_request", "data.app_installation.target.uid (stack API key) is required");
  // Unconfirmed (contentstack-app.md §8): the key that carries server configuration; both spellings accepted.
  const serverConfiguration = data.server_configuration ?? data.serverConfiguration;
  if (serverConfiguration === undefined && data.configuration === undefined) {
    await deps.installations.ensure(identity);
    return event;
  }
  const parsed = installationDataSchema.safeParse({
    configuration: data.configuration ?? {},
    serverConfiguration: serverConfiguration ?? {},
  });
  if (!parsed.success) {
    throw new HttpError(400, "invalid_configuration", describeIssue(parsed.error.issues[0]));
  }
  await deps.installations.save(identity, parsed.data);
  return event;
}
