/**
 * `POST /webhooks/contentstack`: app lifecycle webhooks (install, update, upgrade, uninstall). Verified by
 * Contentstack's signature over the raw body and a 5-minute `triggered_at` window; idempotent upsert on
 * installation_uid; uninstall deletes the installation's data and secrets. Applied once and in order across
 * restarts and processes: the store keeps, per installation, the `triggered_at` of the last webhook applied, and
 * advances it atomically before applying; a replay or an older delivery is refused with 409 and changes nothing.
 */
import type { FastifyInstance } from "fastify";
import { describeIssue, installationDataSchema } from "../../src/shared/installation-config.ts";
import { createHash } from "node:crypto";
import { checkTriggeredAt, verifyLifecycleSignature, type SignaturePadding } from "../auth/lifecycle-signature.ts";
import type { SigningKeyProvider } from "../auth/signing-key.ts";
import { HttpError } from "../http/errors.ts";
import { createRateLimit } from "../http/rate-limit.ts";
import { acceptRawJson } from "../http/raw-json.ts";
import type { LifecycleRecord, Store } from "../store/types.ts";
import type { Installations } from "./installations.ts";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export async function lifecycleRoute(
  app: FastifyInstance,
  deps: { appUid: string; keys: SigningKeyProvider; padding: SignaturePadding; installations: Installations; store: Store },
) {
  acceptRawJson(app, { gzip: false, bodyLimit: 1024 * 1024 });
  const perIp = createRateLimit({ limit: 120, windowMs: 60_000 });

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
    const event = await applyInOrder(body, createHash("sha256").update(rawBody).digest("hex"), deps);
    return { ok: true, event };
  });
}

/**
 * Claims the webhook's place in the installation's order (refusing a replay or an older delivery with 409), then
 * applies it; if applying fails, the previous record is put back so that Contentstack's retry is not refused.
 */
async function applyInOrder(
  body: Record<string, unknown>,
  bodyDigest: string,
  deps: { appUid: string; installations: Installations; store: Store },
): Promise<string> {
  const data = isObject(body.data) ? body.data : {};
  const app_installation = isObject(data.app_installation) ? data.app_installation : null;
  if (!app_installation) throw new HttpError(400, "invalid_request", "data.app_installation is required");
  const installationUid = typeof app_installation.installation_uid === "string" ? app_installation.installation_uid : "";
  if (!installationUid) throw new HttpError(400, "invalid_request", "data.app_installation.installation_uid is required");
  if (app_installation.app_uid !== deps.appUid) {
    throw new HttpError(403, "wrong_app", "data.app_installation.app_uid is not this app");
  }
  const event = String(body.event ?? "");
  const triggeredAt = Date.parse(String(body.triggered_at));
  const previous = await deps.store.lifecycleRecord(installationUid);
  const entry: LifecycleRecord = { triggeredAt, bodyDigest, event, uninstalledAt: event === "uninstall" ? triggeredAt : null };
  if (!(await deps.store.advanceLifecycle(installationUid, entry))) {
    const last = (await deps.store.lifecycleRecord(installationUid)) ?? previous;
    if (last?.bodyDigest === bodyDigest) {
      throw new HttpError(409, "replayed_webhook", "this lifecycle webhook was already applied (same signed body); nothing changed");
    }
    throw new HttpError(
      409,
      "out_of_order_webhook",
      `this ${event.slice(0, 40)} webhook (triggered_at ${new Date(triggeredAt).toISOString()}) is not newer than the last one applied for this installation (${last ? new Date(last.triggeredAt).toISOString() : "unknown"}); nothing changed`,
    );
  }
  try {
    return await applyLifecycleEvent(body, installationUid, deps);
  } catch (error) {
    // Only a failure to apply gives the slot back: the webhook changed nothing, so its retry must be accepted.
    await deps.store.restoreLifecycle(installationUid, entry, previous).catch(() => {});
    throw error;
  }
}

/** Applies a verified, fresh, in-order lifecycle webhook; returns its event name. */
async function applyLifecycleEvent(
  body: Record<string, unknown>,
  installationUid: string,
  deps: { appUid: string; installations: Installations },
): Promise<string> {
  const data = isObject(body.data) ? body.data : {};
  const app_installation = isObject(data.app_installation) ? data.app_installation : {};
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
