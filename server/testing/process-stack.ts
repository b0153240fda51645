/**
 * The whole stack with the server as a child process on a fixed port over one SQLite file, for runs that kill it
 * with SIGKILL and restart it, sample its memory or capture its logs. The Personalize emulator and Contentstack's
 * signing side run in this process, as in harness.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPersonalizeEmulator, type PersonalizeEmulator } from "../emulators/personalize/index.ts";
import { createSecretBox, generateSecretKeySpec, parseSecretKeys } from "../security/secret-box.ts";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/types.ts";
import {
  TEST_APP_UID,
  installOn,
  lenientFixtures,
  startFakeContentstack,
  type FakeContentstack,
  type InstallOptions,
  type TestInstallation,
} from "./harness.ts";
import { freePort, spawnServerProcess, type ServerProcess } from "./server-process.ts";

export interface ProcessStack {
  url: string;
  /** The server process running now (a new one after each restart). */
  readonly server: ServerProcess;
  personalize: PersonalizeEmulator;
  contentstack: FakeContentstack;
  databasePath: string;
  /** The environment the server runs with now. */
  readonly env: Readonly<Record<string, string>>;
  install(options?: InstallOptions): Promise<TestInstallation>;
  /** Stops the server (SIGKILL unless told otherwise) and starts it again on the same port and database. */
  restart(options?: { signal?: NodeJS.Signals; env?: Record<string, string> }): Promise<ServerProcess>;
  /** A second connection to the database, for checks; the caller closes it. */
  openStore(): Promise<Store>;
  /** Everything every server process of this stack printed so far. */
  output(): string;
  /** How many times a server process exited without being told to (crashes). */
  crashes(): number;
  /** Every secret this stack handed out: session secrets, key material, installations' write keys and shared secrets. */
  knownSecrets(): string[];
  close(): Promise<void>;
}

export interface ProcessStackOptions {
  env?: Record<string, string>;
  /** Requests the emulator keeps for inspection. */
  recordLimit?: number;
}

export async function startProcessStack(options: ProcessStackOptions = {}): Promise<ProcessStack> {
  const dir = mkdtempSync(join(tmpdir(), "segment-sync-process-"));
  const personalize = await startPersonalizeEmulator({ fixtures: lenientFixtures(), recordLimit: options.recordLimit ?? 200_000 });
  const contentstack = await startFakeContentstack();
  const databasePath = join(dir, "sync.db");
  let env: Record<string, string> = {
    PORT: String(await freePort()),
    DATABASE_URL: databasePath,
    APP_UID: TEST_APP_UID,
    CS_PUBLIC_KEYS_URL: contentstack.publicKeysUrl,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    SECRETS_KEYS: generateSecretKeySpec(),
    PERSONALIZE_HOST_ALLOWLIST: new URL(personalize.url).host,
    DELIVERY_BATCH_WINDOW_MS: "20",
    ...options.env,
  };
  const installed: TestInstallation[] = [];
  let earlierOutput = "";
  let crashes = 0;
  let stopping = false;

  const envSecrets = new Set<string>();
  const spawn = async () => {
    envSecrets.add(env.SESSION_SECRET);
    for (const spec of env.SECRETS_KEYS.split(",")) envSecrets.add(spec.slice(spec.indexOf(":") + 1));
    const started = await spawnServerProcess(env);
    started.child.once("exit", () => {
      if (!stopping) crashes += 1;
    });
    return started;
  };
  let server = await spawn();

  const stop = async (signal: NodeJS.Signals) => {
    stopping = true;
    await server.stop(signal);
    earlierOutput += server.output();
    stopping = false;
  };

  return {
    url: server.url!,
    get server() {
      return server;
    },
    personalize,
    contentstack,
    databasePath,
    get env() {
      return env;
    },
    async install(installOptions) {
      const installation = await installOn(server.url!, contentstack, personalize, installOptions);
      installed.push(installation);
      return installation;
    },
    async restart(restartOptions = {}) {
      await stop(restartOptions.signal ?? "SIGKILL");
      env = { ...env, ...restartOptions.env };
      server = await spawn();
      return server;
    },
    openStore: () => openStore(databasePath, createSecretBox(parseSecretKeys(env.SECRETS_KEYS))),
    output: () => earlierOutput + server.output(),
    crashes: () => crashes,
    knownSecrets: () => [
      ...envSecrets,
      ...installed.flatMap((installation) => [installation.writeKey, installation.sharedSecret]),
    ],
    async close() {
      await stop("SIGKILL");
      await personalize.close();
      await contentstack.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
