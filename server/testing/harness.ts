/**
 * A real stack for integration tests and benchmarks: the server on a random port over a fresh SQLite file (or a
 * fresh database on the given PostgreSQL server), the Personalize emulator, and a stand-in for Contentstack's
 * signing side (public key endpoint, app-tokens, signed lifecycle webhooks) built from the host simulator's own
 * signing code.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  installationDataSchema,
  type ConfigurationInput,
  type ServerConfiguration,
} from "../../src/shared/installation-config.ts";
import { loadSettings } from "../config.ts";
import { publicKeyPkcs1Pem, signAppToken, type AppTokenOverrides } from "../emulators/contentstack-host/app-token.ts";
import {
  lifecycleWebhookPayload,
  signatureHeaderValue,
  type LifecycleEvent,
  type SignaturePadding,
} from "../emulators/contentstack-host/lifecycle-webhook.ts";
import { startPersonalizeEmulator, type EmulatorFixtures, type PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { startServer, type RunningServer } from "../runtime.ts";
import { generateSecretKeySpec } from "../security/secret-box.ts";
import { isPostgresUrl } from "../store/open-store.ts";
import type { LogStatus, Store } from "../store/types.ts";
import { createTestDatabase } from "./postgres.ts";

export const TEST_APP_UID = "test-app-uid";
export const TEST_PROJECT_UID = "5e5e5e5e5e5e5e5e5e5e5e5e";

export interface FakeContentstack {
  publicKeysUrl: string;
  signingKey: KeyObject;
  close(): Promise<void>;
}

export async function startFakeContentstack(): Promise<FakeContentstack> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const body = JSON.stringify({ "signing-key": publicKeyPkcs1Pem(privateKey) });
  const server: Server = createServer((request, response) => {
    if (request.url === "/.well-known/public-keys.json") {
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    publicKeysUrl: `http://127.0.0.1:${port}/.well-known/public-keys.json`,
    signingKey: privateKey,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface TestInstallation {
  uid: string;
  stackApiKey: string;
  organizationUid: string;
  writeKey: string;
  sharedSecret: string;
  appToken(overrides?: AppTokenOverrides): Promise<string>;
  /** A session token from POST /api/session. */
  session(): Promise<string>;
  /** Sends a signed lifecycle webhook; returns the response. */
  lifecycle(
    event: LifecycleEvent,
    data?: { configuration?: ConfigurationInput; serverConfiguration?: Partial<ServerConfiguration> },
    options?: { triggeredAt?: Date; padding?: SignaturePadding; tamper?: (body: string) => string },
  ): Promise<Response>;
  /** fetch() against the server's /api with this installation's session. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

export interface InstallOptions {
  uid?: string;
  configuration?: ConfigurationInput;
  serverConfiguration?: Partial<ServerConfiguration>;
}

export interface TestStack {
  url: string;
  server: RunningServer;
  personalize: PersonalizeEmulator;
  contentstack: FakeContentstack;
  dataDir: string;
  install(options?: InstallOptions): Promise<TestInstallation>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  env?: Record<string, string>;
  fixtures?: EmulatorFixtures;
  /**
   * Defaults to a SQLite file in a fresh temporary folder. A `postgres://` URL names a server (and a database on it
   * to connect through) where the stack gets a fresh database of its own, dropped on close.
   */
  databaseUrl?: string;
  uiDir?: string | null;
  /** Extra `frame-ancestors` for the UI's CSP, as the dev stack adds the host simulator. */
  frameAncestors?: string[];
}

/** A project that accepts anything, for tests that are not about the emulator's strictness. */
export function lenientFixtures(projectUid = TEST_PROJECT_UID): EmulatorFixtures {
  return { projects: [{ uid: projectUid, name: "Test project", managementTokens: ["test-management-token"] }] };
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), "segment-sync-test-"));
  const personalize = await startPersonalizeEmulator({ fixtures: options.fixtures ?? lenientFixtures(), recordLimit: 200_000 });
  const contentstack = await startFakeContentstack();
  const database = options.databaseUrl && isPostgresUrl(options.databaseUrl) ? await createTestDatabase(options.databaseUrl) : null;
  const settings = loadSettings(
    {
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: database?.url ?? options.databaseUrl ?? join(dataDir, "sync.db"),
      APP_UID: TEST_APP_UID,
      CS_PUBLIC_KEYS_URL: contentstack.publicKeysUrl,
      SESSION_SECRET: randomBytes(32).toString("hex"),
      SECRETS_KEYS: "unused-here",
      PERSONALIZE_HOST_ALLOWLIST: new URL(personalize.url).host,
      LOG_LEVEL: "silent",
      DELIVERY_BATCH_WINDOW_MS: "20",
      DELIVERY_RETRY_BASE_MS: "50",
      ...options.env,
    },
    { dev: false },
  );
  const server = await startServer(settings, {
    secretKeys: generateSecretKeySpec(),
    uiDir: options.uiDir ?? null,
    frameAncestors: options.frameAncestors,
  });
  const url = server.url!;

  const install: TestStack["install"] = (installOptions) => installOn(url, contentstack, personalize, installOptions);

  return {
    url,
    server,
    personalize,
    contentstack,
    dataDir,
    install,
    async close() {
      await server.close();
      await personalize.close();
      await contentstack.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Installs the app on the server at `url` with a signed lifecycle webhook, as Contentstack would. */
export async function installOn(
  url: string,
  contentstack: FakeContentstack,
  personalize: PersonalizeEmulator,
  installOptions: InstallOptions = {},
): Promise<TestInstallation> {
  const uid = installOptions.uid ?? `inst-${randomBytes(6).toString("hex")}`;
  const identity = {
    uid,
    stackApiKey: `blt${randomBytes(8).toString("hex")}`,
    organizationUid: `org${randomBytes(6).toString("hex")}`,
    userUid: `usr${randomBytes(6).toString("hex")}`,
  };
  const writeKey = `wk_${randomBytes(16).toString("hex")}`;
  const sharedSecret = randomBytes(24).toString("hex");
  const defaults = {
    configuration: {
      personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: personalize.url, customManagementUrl: personalize.managementUrl },
      ...installOptions.configuration,
    } as ConfigurationInput,
    serverConfiguration: { trackingWriteKey: writeKey, webhookSharedSecret: sharedSecret, ...installOptions.serverConfiguration },
  };
  let sessionToken: string | null = null;

  const installation: TestInstallation = {
    uid,
    stackApiKey: identity.stackApiKey,
    organizationUid: identity.organizationUid,
    writeKey: defaults.serverConfiguration.trackingWriteKey,
    sharedSecret: defaults.serverConfiguration.webhookSharedSecret,
    appToken: (overrides) =>
      signAppToken(
        contentstack.signingKey,
        {
          app_uid: TEST_APP_UID,
          installation_uid: uid,
          organization_uid: identity.organizationUid,
          user_uid: identity.userUid,
          stack_api_key: identity.stackApiKey,
        },
        300,
        overrides,
      ),
    async session() {
      const response = await fetch(`${url}/api/session`, {
        method: "POST",
        headers: { authorization: `Bearer ${await installation.appToken()}` },
      });
      if (!response.ok) throw new Error(`session failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    },
    async lifecycle(event, data = defaults, lifecycleOptions = {}) {
      const parsed = installationDataSchema.safeParse({
        configuration: data.configuration ?? {},
        serverConfiguration: data.serverConfiguration ?? {},
      });
      const payload = lifecycleWebhookPayload(
        event,
        {
          appUid: TEST_APP_UID,
          appVersion: 1,
          installationUid: uid,
          organizationUid: identity.organizationUid,
          stackApiKey: identity.stackApiKey,
          userUid: identity.userUid,
          installedAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          // Invalid data is sent as given, so tests can check the server's validation.
          data: (parsed.success ? parsed.data : data) as never,
          serverConfigurationKey: "server_configuration",
        },
        lifecycleOptions.triggeredAt ?? new Date(),
      );
      const body = JSON.stringify(payload);
      const signature = signatureHeaderValue(body, contentstack.signingKey, lifecycleOptions.padding ?? "pss");
      return fetch(`${url}/webhooks/contentstack`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-contentstack-request-signature": signature },
        body: lifecycleOptions.tamper ? lifecycleOptions.tamper(body) : body,
      });
    },
    async api(path, init = {}) {
      sessionToken ??= await installation.session();
      return fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${sessionToken}`, ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
      });
    },
  };
  const response = await installation.lifecycle("install", defaults);
  if (!response.ok) throw new Error(`install webhook failed: ${response.status} ${await response.text()}`);
  return installation;
}

/** Polls until `check` returns a truthy value or the time runs out (then throws with the last value). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 20_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(last)})`);
}

/** Waits until the store has expanded every accepted event of the installation into its sync log. */
export async function inLog(store: Store, installationUid: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => (await store.stagedEvents(installationUid)) === 0, timeoutMs, 10);
}

/**
 * Statuses of rows still on their way (an inbound event not yet settled, an outbound request not yet finished), in
 * groups asked one at a time: a query for one stored status reads its index newest first and stops at the first
 * row, where one for all of them reads and sorts every open row (tens of milliseconds on a deep backlog, which a
 * benchmark polling for the end would charge to the system it measures). A request in flight is stored as pending
 * or pending_retry, so those three go together.
 */
const OPEN_STATUS_GROUPS: LogStatus[][] = [["processing"], ["queued"], ["pending", "pending_retry", "in_flight"]];

/** True once every accepted event of the installation is in its log and none of its rows is open. */
export async function drained(store: Store, installationUid: string): Promise<boolean> {
  if ((await store.stagedEvents(installationUid)) > 0) return false;
  for (const statuses of OPEN_STATUS_GROUPS) {
    if ((await store.queryLog({ installationUid, statuses, limit: 1 })).length > 0) return false;
  }
  return true;
}
