/**
 * A stand-in for Contentstack's web app around our iframe app (contentstack-app.md §11): host pages for our three
 * locations with a post-robot host, signed app-tokens, the public signing key, the host-drawn Save bar, and signed
 * lifecycle webhooks. Runs on its own origin so the app is cross-origin as in production.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Fastify from "fastify";
import { trimTrailingSlash } from "../../../src/shared/regions";
import { publicKeyPkcs1Pem, signAppToken, type AppTokenIdentity, type AppTokenOverrides } from "./app-token";
import { answerApiAdapter, answerStackQuery } from "./fake-cma";
import { HostState, parseInstallationData, type InstallationData } from "./host-state";
import { hostPagePath, renderHostPage, type InstallationDataWrites } from "./host-page";
import { initPayload, parseRegion, type HostIdentity } from "./init-payload";
import {
  lifecycleWebhookPayload,
  postSignedWebhook,
  signatureHeaderValue,
  type LifecycleEvent,
  type SignaturePadding,
  type WebhookResponse,
} from "./lifecycle-webhook";
import { isHostLocation, LOCATIONS, type HostLocation } from "./locations";

export type { AppTokenClaims, AppTokenOverrides } from "./app-token";
export type { InstallationData } from "./host-state";
export type { LifecycleEvent, SignaturePadding, WebhookResponse } from "./lifecycle-webhook";
export { HOST_LOCATIONS, type HostLocation } from "./locations";

export interface ContentstackHostOptions {
  port?: number;
  host?: string;
  /** Our app's origin (and optional base path); must differ from the simulator's origin. */
  appBaseUrl: string;
  lifecycleWebhookUrl?: string;
  /** JSON file holding the saved installation data and the dev RSA key pair; in memory when absent. */
  dataFile?: string;
  appUid: string;
  installationUid: string;
  stackApiKey: string;
  organizationUid: string;
  userUid: string;
  region?: string;
  tokenTtlSeconds?: number;
  webhookSignaturePadding?: SignaturePadding;
  /** Used only when `dataFile` has no saved data yet. */
  initialInstallationData?: InstallationData;
  /** `manifest.version` in init and `app_version` in webhooks. */
  appVersion?: number;
  /** Unconfirmed (doc §8): the webhook key carrying the server configuration. */
  serverConfigurationKey?: string;
  /** Unconfirmed (doc §4): persist on every setInstallationData, or only when Save is clicked (default). */
  installationDataWrites?: InstallationDataWrites;
  /** Unconfirmed (doc §10): shallow-merged over every init payload, e.g. `{endpoints: …}` or `{stack: …}`. */
  initPayloadOverrides?: Record<string, unknown>;
}

export interface ContentstackHost {
  url: string;
  publicKeysUrl: string;
  hostPageUrl(location: HostLocation): string;
  signAppToken(overrides?: AppTokenOverrides): Promise<string>;
  sendLifecycleWebhook(event: LifecycleEvent, opts?: { triggeredAt?: Date }): Promise<WebhookResponse>;
  installationData(): InstallationData;
  close(): Promise<void>;
}

/** What the Save bar reports about the `update` webhook that follows a save. */
type UpdateWebhookOutcome =
  | { outcome: "delivered"; status: number }
  | { outcome: "failed"; status?: number; error: string }
  | { outcome: "skipped" };

const WEBHOOK_TIMEOUT_MS = 10_000;

const STATIC_FILES: Record<string, { type: string; body: string }> = {
  "/post-robot.js": {
    type: "text/javascript; charset=utf-8",
    body: readFileSync(createRequire(import.meta.url).resolve("post-robot/dist/post-robot.js"), "utf8"),
  },
  "/host-page.js": {
    type: "text/javascript; charset=utf-8",
    body: readFileSync(new URL("./static/host-page.js", import.meta.url), "utf8"),
  },
  "/host-page.css": {
    type: "text/css; charset=utf-8",
    body: readFileSync(new URL("./static/host-page.css", import.meta.url), "utf8"),
  },
};

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici's "fetch failed" hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function originUrl(host: string, port: number): string {
  const reachableHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reachableHost.includes(":") ? `[${reachableHost}]` : reachableHost}:${port}`;
}

export async function startContentstackHost(options: ContentstackHostOptions): Promise<ContentstackHost> {
  const appOrigin = new URL(options.appBaseUrl).origin;
  const identity: HostIdentity = {
    appUid: options.appUid,
    appVersion: options.appVersion ?? 1,
    installationUid: options.installationUid,
    stackApiKey: options.stackApiKey,
    organizationUid: options.organizationUid,
    userUid: options.userUid,
    region: parseRegion(options.region ?? "NA"),
  };
  const tokenIdentity: AppTokenIdentity = {
    app_uid: identity.appUid,
    installation_uid: identity.installationUid,
    organization_uid: identity.organizationUid,
    user_uid: identity.userUid,
    stack_api_key: identity.stackApiKey,
  };
  const state = HostState.open(
    options.dataFile,
    parseInstallationData(options.initialInstallationData ?? { configuration: {}, serverConfiguration: {} }),
  );

  const issueAppToken = (overrides?: AppTokenOverrides) =>
    signAppToken(state.signingKey, tokenIdentity, options.tokenTtlSeconds ?? 300, overrides);

  async function sendLifecycleWebhook(
    event: LifecycleEvent,
    opts: { triggeredAt?: Date } = {},
  ): Promise<WebhookResponse> {
    if (!options.lifecycleWebhookUrl) throw new Error("lifecycleWebhookUrl is not configured");
    const payload = lifecycleWebhookPayload(
      event,
      {
        ...identity,
        installedAt: state.installedAt,
        updatedAt: state.updatedAt,
        data: state.installation(),
        serverConfigurationKey: options.serverConfigurationKey ?? "server_configuration",
      },
      opts.triggeredAt ?? new Date(),
    );
    const body = JSON.stringify(payload);
    const signature = signatureHeaderValue(body, state.signingKey, options.webhookSignaturePadding ?? "pss");
    return postSignedWebhook(options.lifecycleWebhookUrl, body, signature, WEBHOOK_TIMEOUT_MS);
  }

  async function sendUpdateWebhook(): Promise<UpdateWebhookOutcome> {
    if (!options.lifecycleWebhookUrl) return { outcome: "skipped" };
    try {
      const { status, body } = await sendLifecycleWebhook("update");
      if (status >= 200 && status < 300) return { outcome: "delivered", status };
      const excerpt = body ? `: ${body.slice(0, 300)}` : "";
      return { outcome: "failed", status, error: `${options.lifecycleWebhookUrl} answered HTTP ${status}${excerpt}` };
    } catch (error) {
      return { outcome: "failed", error: `${options.lifecycleWebhookUrl}: ${describeError(error)}` };
    }
  }

  /**
   * The app's URL for a location. Other query parameters of the host page are passed on, so that a view link the
   * app copied (its own query) reopens in the simulator; *Unconfirmed* how a real Contentstack URL would carry them.
   */
  async function appFrameUrl(location: HostLocation, passOn: Record<string, string> = {}): Promise<string> {
    const url = new URL(`${trimTrailingSlash(options.appBaseUrl)}${LOCATIONS[location].path}`);
    for (const [key, value] of Object.entries(passOn)) if (typeof value === "string") url.searchParams.set(key, value);
    url.searchParams.set("app-token", await issueAppToken());
    return url.toString();
  }

  const server = Fastify({ logger: false });

  server.get("/", (_request, reply) => reply.redirect(hostPagePath("APP_CONFIG_WIDGET")));

  server.get<{ Querystring: Record<string, string> }>("/host.html", async (request, reply) => {
    const { location = "APP_CONFIG_WIDGET", ...passOn } = request.query;
    if (!isHostLocation(location)) {
      return reply.code(400).type("text/plain; charset=utf-8").send(`Unknown location ${location}`);
    }
    const html = renderHostPage({
      location,
      appFrameUrl: await appFrameUrl(location, passOn),
      appOrigin,
      initPayload: initPayload(location, identity, options.initPayloadOverrides ?? {}),
      saved: state.installation(),
      storePrefix: `contentstack-app-store:${identity.installationUid}:`,
      installationDataWrites: options.installationDataWrites ?? "on-save",
    });
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
  });

  for (const [path, file] of Object.entries(STATIC_FILES)) {
    server.get(path, (_request, reply) => reply.type(file.type).send(file.body));
  }

  server.get("/.well-known/public-keys.json", () => ({ "signing-key": publicKeyPkcs1Pem(state.signingKey) }));

  // Helpers for curl-ing our API by hand and inspecting what was saved.
  server.get("/api/app-token", async () => ({ token: await issueAppToken() }));
  server.get("/api/installation-data", () => state.installation());

  server.put("/api/installation-data", (request, reply) => {
    try {
      return { saved: state.saveInstallation(parseInstallationData(request.body)) };
    } catch (error) {
      return reply.code(400).send({ error: describeError(error) });
    }
  });

  // Save: persist the draft, then tell our server through the signed `update` lifecycle webhook.
  server.post("/api/save", async (request, reply) => {
    let saved: InstallationData;
    try {
      saved = state.saveInstallation(parseInstallationData(request.body));
    } catch (error) {
      return reply.code(400).send({ error: describeError(error) });
    }
    return { saved, webhook: await sendUpdateWebhook() };
  });

  server.post("/api/api-adapter", (request) => answerApiAdapter(request.body, identity));

  // An unsimulated action is a routine, expected rejection for the SDK, so it travels as `{error}` with HTTP 200
  // and does not put a "Failed to load resource" error in the browser console.
  server.post("/api/stack-query", (request) => {
    try {
      return { data: answerStackQuery(request.body, identity) };
    } catch (error) {
      return { error: describeError(error) };
    }
  });

  const host = options.host ?? "127.0.0.1";
  await server.listen({ port: options.port ?? 0, host });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 0);
  const url = originUrl(host, port);
  if (new URL(url).origin === appOrigin) {
    await server.close();
    throw new Error(`The simulator (${url}) must not share the app's origin (${appOrigin}); use 127.0.0.1 vs localhost`);
  }

  return {
    url,
    publicKeysUrl: `${url}/.well-known/public-keys.json`,
    hostPageUrl: (location) => `${url}${hostPagePath(location)}`,
    signAppToken: issueAppToken,
    sendLifecycleWebhook,
    installationData: () => state.installation(),
    close: () => server.close(),
  };
}
