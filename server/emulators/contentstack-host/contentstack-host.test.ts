import { constants, createPublicKey, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importSPKI, jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { startContentstackHost, type ContentstackHost, type ContentstackHostOptions } from "./index";

const APP_BASE_URL = "http://localhost:3999";

const identity = {
  appUid: "app_uid_test",
  installationUid: "installation_uid_test",
  stackApiKey: "stack_api_key_test",
  organizationUid: "organization_uid_test",
  userUid: "user_uid_test",
};

const expectedClaims = {
  app_uid: identity.appUid,
  installation_uid: identity.installationUid,
  organization_uid: identity.organizationUid,
  user_uid: identity.userUid,
  stack_api_key: identity.stackApiKey,
};

const savedData = {
  configuration: { version: 1, personalize: { region: "EU", projectUid: "abcdefabcdefabcdefabcdef" } },
  serverConfiguration: { segmentWriteKey: "write-key-123", webhookSharedSecret: "s3cret" },
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startHost(options: Partial<ContentstackHostOptions> = {}): Promise<ContentstackHost> {
  const host = await startContentstackHost({ appBaseUrl: APP_BASE_URL, ...identity, ...options });
  cleanups.push(() => host.close());
  return host;
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "contentstack-host-"));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

async function fetchPublicKey(host: ContentstackHost): Promise<{ pem: string; key: KeyObject }> {
  const response = await fetch(host.publicKeysUrl);
  expect(response.status).toBe(200);
  const pem = ((await response.json()) as Record<string, string>)["signing-key"];
  return { pem, key: createPublicKey({ key: pem, format: "pem", type: "pkcs1" }) };
}

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

async function startWebhookReceiver(status = 200): Promise<{ url: string; received: ReceivedWebhook[] }> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, rawBody: Buffer.concat(chunks) });
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ received: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/contentstack`, received };
}

async function unusedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhooks/contentstack`;
}

function verifySignature(webhook: ReceivedWebhook, key: KeyObject, padding: "pss" | "pkcs1"): boolean {
  const header = webhook.headers["x-contentstack-request-signature"];
  expect(header).toMatch(/^v1=[A-Za-z0-9+/]+=*$/);
  const signature = Buffer.from(String(header).slice("v1=".length), "base64");
  expect(signature).toHaveLength(256);
  const options =
    padding === "pss"
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : { key, padding: constants.RSA_PKCS1_PADDING };
  return verify("sha256", webhook.rawBody, options, signature);
}

function hostContext(html: string): Record<string, any> {
  const match = html.match(/<script type="application\/json" id="host-context">(.*?)<\/script>/s);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]);
}

function appFrameSrc(html: string): URL {
  const match = html.match(/<iframe id="app" src="([^"]+)"/);
  expect(match).not.toBeNull();
  return new URL(match![1].replace(/&#38;/g, "&"));
}

async function postJson(url: string, body: unknown, method = "POST"): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe("app-token and public key", () => {
  it("publishes a PKCS#1 key that verifies signAppToken's RS256 JWT with the §7 claims", async () => {
    const host = await startHost();
    const { pem, key } = await fetchPublicKey(host);
    expect(pem.startsWith("-----BEGIN RSA PUBLIC KEY-----")).toBe(true);

    const before = Math.floor(Date.now() / 1000);
    const { payload, protectedHeader } = await jwtVerify(await host.signAppToken(), key, { algorithms: ["RS256"] });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload).toMatchObject(expectedClaims);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.exp! - payload.iat!).toBe(300);

    const spki = key.export({ type: "spki", format: "pem" }).toString();
    await expect(jwtVerify(await host.signAppToken(), await importSPKI(spki, "RS256"))).resolves.toBeTruthy();
  });

  it("honours tokenTtlSeconds, claim overrides and expired tokens", async () => {
    const host = await startHost({ tokenTtlSeconds: 60 });
    const { key } = await fetchPublicKey(host);

    const short = await jwtVerify(await host.signAppToken(), key);
    expect(short.payload.exp! - short.payload.iat!).toBe(60);

    const forged = await jwtVerify(await host.signAppToken({ app_uid: "someone_else" }), key);
    expect(forged.payload.app_uid).toBe("someone_else");

    await expect(jwtVerify(await host.signAppToken({ expiresInSeconds: -120 }), key)).rejects.toMatchObject({
      code: "ERR_JWT_EXPIRED",
    });
  });

  it("hands out a fresh token at /api/app-token", async () => {
    const host = await startHost();
    const { key } = await fetchPublicKey(host);
    const { token } = (await (await fetch(`${host.url}/api/app-token`)).json()) as { token: string };
    expect((await jwtVerify(token, key)).payload).toMatchObject(expectedClaims);
  });
});

describe("host page", () => {
  it("redirects / to the App Configuration page", async () => {
    const host = await startHost();
    const response = await fetch(`${host.url}/`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/host.html?location=APP_CONFIG_WIDGET");
  });

  it.each([
    ["APP_CONFIG_WIDGET", "/config"],
    ["FULL_PAGE_LOCATION", "/sync-log"],
    ["DASHBOARD", "/dashboard"],
  ] as const)("frames the app for %s at %s with a valid app-token", async (location, path) => {
    const host = await startHost();
    const { key } = await fetchPublicKey(host);
    const response = await fetch(host.hostPageUrl(location));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();

    const src = appFrameSrc(html);
    expect(`${src.origin}${src.pathname}`).toBe(`${APP_BASE_URL}${path}`);
    expect((await jwtVerify(src.searchParams.get("app-token")!, key)).payload).toMatchObject(expectedClaims);

    expect(html).toContain('<nav id="location-nav"');
    for (const other of ["APP_CONFIG_WIDGET", "FULL_PAGE_LOCATION", "DASHBOARD"]) {
      expect(html).toContain(`data-location="${other}"`);
    }
    expect(html.includes('id="save-button"')).toBe(location === "APP_CONFIG_WIDGET");

    const context = hostContext(html);
    expect(context.appOrigin).toBe(APP_BASE_URL);
    expect(context.initPayload).toMatchObject({
      type: location,
      app_id: identity.appUid,
      installation_uid: identity.installationUid,
      user: { uid: identity.userUid },
      stack: { api_key: identity.stackApiKey, org_uid: identity.organizationUid, master_locale: "en-us" },
      currentBranch: "main",
      region: "NA",
      endpoints: { APP: "https://app.contentstack.com", CMA: "https://api.contentstack.io" },
      manifest: { version: 1, uid: identity.appUid },
    });
    expect(context.initPayload.dashboard_width).toBe(location === "DASHBOARD" ? "full_width" : undefined);
  });

  it("refuses unknown locations and an app on the simulator's own origin", async () => {
    const host = await startHost();
    expect((await fetch(`${host.url}/host.html?location=FIELD`)).status).toBe(400);

    const port = Number(new URL(host.url).port);
    await host.close();
    await expect(startContentstackHost({ ...identity, port, appBaseUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(
      /must not share the app's origin/,
    );
  });

  it("serves post-robot and the host script", async () => {
    const host = await startHost();
    for (const path of ["/post-robot.js", "/host-page.js", "/host-page.css"]) {
      const response = await fetch(`${host.url}${path}`);
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBeGreaterThan(500);
    }
  });
});

describe("lifecycle webhooks", () => {
  it.each(["pss", "pkcs1"] as const)("signs the raw body with %s padding", async (padding) => {
    const receiver = await startWebhookReceiver();
    const host = await startHost({
      lifecycleWebhookUrl: receiver.url,
      webhookSignaturePadding: padding,
      initialInstallationData: savedData,
    });
    const { key } = await fetchPublicKey(host);

    const triggeredAt = new Date("2026-03-01T10:00:00.000Z");
    expect(await host.sendLifecycleWebhook("install", { triggeredAt })).toEqual({
      status: 200,
      body: JSON.stringify({ received: true }),
    });

    const [webhook] = receiver.received;
    expect(webhook.headers["content-type"]).toBe("application/json");
    expect(verifySignature(webhook, key, padding)).toBe(true);
    expect(verifySignature(webhook, key, padding === "pss" ? "pkcs1" : "pss")).toBe(false);

    const body = JSON.parse(webhook.rawBody.toString("utf8"));
    expect(webhook.rawBody.toString("utf8")).toBe(JSON.stringify(body));
    expect(body).toEqual({
      triggered_at: "2026-03-01T10:00:00.000Z",
      event: "install",
      module: "app_installation",
      api_key: identity.stackApiKey,
      data: {
        app_installation: {
          app_uid: identity.appUid,
          app_version: 1,
          organization_uid: identity.organizationUid,
          installation_uid: identity.installationUid,
          target: { type: "stack", uid: identity.stackApiKey },
          created_at: expect.any(String),
          created_by: identity.userUid,
          updated_at: expect.any(String),
          updated_by: identity.userUid,
        },
        configuration: savedData.configuration,
        server_configuration: savedData.serverConfiguration,
      },
    });
  });

  it("sends no configuration on uninstall and honours serverConfigurationKey", async () => {
    const receiver = await startWebhookReceiver();
    const host = await startHost({
      lifecycleWebhookUrl: receiver.url,
      initialInstallationData: savedData,
      serverConfigurationKey: "serverConfiguration",
    });
    await host.sendLifecycleWebhook("upgrade");
    await host.sendLifecycleWebhook("uninstall");
    const [upgrade, uninstall] = receiver.received.map((w) => JSON.parse(w.rawBody.toString("utf8")));
    expect(Object.keys(upgrade.data).sort()).toEqual(["app_installation", "configuration", "serverConfiguration"]);
    expect(uninstall.event).toBe("uninstall");
    expect(Object.keys(uninstall.data)).toEqual(["app_installation"]);
  });

  it("rejects when no webhook URL is configured", async () => {
    const host = await startHost();
    await expect(host.sendLifecycleWebhook("install")).rejects.toThrow(/lifecycleWebhookUrl/);
  });
});

describe("Save", () => {
  it("persists the draft and sends the signed update webhook with it", async () => {
    const receiver = await startWebhookReceiver();
    const host = await startHost({ lifecycleWebhookUrl: receiver.url });
    const { key } = await fetchPublicKey(host);

    const { status, json } = await postJson(`${host.url}/api/save`, savedData);
    expect(status).toBe(200);
    expect(json).toEqual({ saved: savedData, webhook: { outcome: "delivered", status: 200 } });
    expect(host.installationData()).toEqual(savedData);
    expect(await (await fetch(`${host.url}/api/installation-data`)).json()).toEqual(savedData);

    const [webhook] = receiver.received;
    expect(verifySignature(webhook, key, "pss")).toBe(true);
    const body = JSON.parse(webhook.rawBody.toString("utf8"));
    expect(body.event).toBe("update");
    expect(body.data.configuration).toEqual(savedData.configuration);
    expect(body.data.server_configuration).toEqual(savedData.serverConfiguration);
  });

  it("still saves when the webhook receiver is down or failing, and reports why", async () => {
    const down = await startHost({ lifecycleWebhookUrl: await unusedPortUrl() });
    const refused = await postJson(`${down.url}/api/save`, savedData);
    expect(refused.status).toBe(200);
    expect(refused.json.webhook).toMatchObject({ outcome: "failed", error: expect.stringMatching(/ECONNREFUSED/) });
    expect(down.installationData()).toEqual(savedData);

    const receiver = await startWebhookReceiver(500);
    const failing = await startHost({ lifecycleWebhookUrl: receiver.url });
    const answered = await postJson(`${failing.url}/api/save`, savedData);
    expect(answered.json.webhook).toMatchObject({ outcome: "failed", status: 500, error: expect.stringMatching(/HTTP 500/) });
  });

  it("reports a skipped webhook without a URL and refuses a half object", async () => {
    const host = await startHost();
    expect((await postJson(`${host.url}/api/save`, savedData)).json.webhook).toEqual({ outcome: "skipped" });

    const half = await postJson(`${host.url}/api/save`, { configuration: {} });
    expect(half.status).toBe(400);
    expect(half.json.error).toMatch(/serverConfiguration/);
    expect(host.installationData()).toEqual(savedData);
  });

  it("writes without a webhook through PUT /api/installation-data (the on-every-set mode)", async () => {
    const receiver = await startWebhookReceiver();
    const host = await startHost({ lifecycleWebhookUrl: receiver.url, installationDataWrites: "on-every-set" });
    expect(hostContext(await (await fetch(host.hostPageUrl("APP_CONFIG_WIDGET"))).text()).installationDataWrites).toBe(
      "on-every-set",
    );
    const { status, json } = await postJson(`${host.url}/api/installation-data`, savedData, "PUT");
    expect(status).toBe(200);
    expect(json.saved).toEqual(savedData);
    expect(receiver.received).toHaveLength(0);
  });
});

describe("data file", () => {
  it("keeps the key pair and the saved installation data across restarts", async () => {
    const dataFile = join(temporaryDirectory(), "nested", "contentstack-host.json");
    const first = await startHost({ dataFile });
    const firstKey = (await fetchPublicKey(first)).pem;
    const token = await first.signAppToken();
    await postJson(`${first.url}/api/save`, savedData);
    await first.close();
    expect(statSync(dataFile).mode & 0o777).toBe(0o600);

    const second = await startHost({
      dataFile,
      initialInstallationData: { configuration: { ignored: true }, serverConfiguration: {} },
    });
    const { pem, key } = await fetchPublicKey(second);
    expect(pem).toBe(firstKey);
    await expect(jwtVerify(token, key)).resolves.toBeTruthy();
    expect(second.installationData()).toEqual(savedData);
    expect(hostContext(await (await fetch(second.hostPageUrl("APP_CONFIG_WIDGET"))).text()).saved).toEqual(savedData);
  });

  it("uses initialInstallationData for a fresh file and a new key without one", async () => {
    const a = await startHost({ initialInstallationData: savedData });
    const b = await startHost();
    expect(a.installationData()).toEqual(savedData);
    expect(b.installationData()).toEqual({ configuration: {}, serverConfiguration: {} });
    expect((await fetchPublicKey(a)).pem).not.toBe((await fetchPublicKey(b)).pem);
  });
});

describe("fake CMA", () => {
  it("answers stackQuery actions with CMA-shaped bodies and refuses unknown ones", async () => {
    const host = await startHost();
    const types = await postJson(`${host.url}/api/stack-query`, {
      action: "getContentTypes",
      params: { query: {}, include_count: true },
    });
    expect(types.json.data.content_types.map((t: { uid: string }) => t.uid)).toEqual(["page", "product"]);
    expect(types.json.data.count).toBe(2);
    const query = async (action: string) => (await postJson(`${host.url}/api/stack-query`, { action })).json;
    expect((await query("getLocales")).data.locales[0].code).toBe("en-us");
    expect((await query("getEnvironments")).data.environments).toHaveLength(2);
    expect((await query("getAppManifest")).data).toEqual({
      version: 1,
      uid: identity.appUid,
      name: "Segment Sync",
    });
    expect(await query("getWorkflows")).toEqual({ error: "stackQuery action getWorkflows is not simulated" });
  });

  it("answers apiAdapter requests with {status, statusText, headers, data}", async () => {
    const host = await startHost();
    const found = await postJson(`${host.url}/api/api-adapter`, {
      url: "https://api.contentstack.io/v3/content_types?include_count=true",
      method: "GET",
      headers: {},
    });
    expect(found.json).toMatchObject({
      status: 200,
      statusText: "OK",
      headers: { "content-type": "application/json" },
      data: { count: 2 },
    });
    const missing = await postJson(`${host.url}/api/api-adapter`, { url: "/v3/workflows", method: "GET" });
    expect(missing.status).toBe(200);
    expect(missing.json).toMatchObject({ status: 404, statusText: "Not Found" });
  });
});
