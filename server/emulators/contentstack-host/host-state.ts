/**
 * What the simulated Contentstack remembers between runs: the dev signing key pair and the saved installation data.
 * Persisted as one JSON file when `dataFile` is given (it holds a private key and secrets: mode 0600), else in memory.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface InstallationData {
  configuration: Record<string, unknown>;
  serverConfiguration: Record<string, unknown>;
}

interface PersistedHostState {
  /** PKCS#8 PEM of the RSA-2048 key that signs app-tokens and lifecycle webhooks. */
  signingKeyPem: string;
  installation: InstallationData;
  installedAt: string;
  updatedAt: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Accepts only the whole object (both halves), which is what the app must always send (contentstack-app.md §4). */
export function parseInstallationData(value: unknown): InstallationData {
  if (!isPlainObject(value)) throw new Error("installation data must be an object");
  const { configuration, serverConfiguration } = value;
  if (!isPlainObject(configuration)) throw new Error("installation data needs a configuration object");
  if (!isPlainObject(serverConfiguration)) throw new Error("installation data needs a serverConfiguration object");
  return structuredClone({ configuration, serverConfiguration });
}

export class HostState {
  private constructor(
    private readonly dataFile: string | undefined,
    private state: PersistedHostState,
    readonly signingKey: KeyObject,
  ) {}

  /** Loads `dataFile` when it exists; otherwise generates a key pair and starts from `initialInstallation`. */
  static open(dataFile: string | undefined, initialInstallation: InstallationData): HostState {
    if (dataFile && existsSync(dataFile)) {
      const state = readPersistedState(dataFile);
      return new HostState(dataFile, state, createPrivateKey(state.signingKeyPem));
    }
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const now = new Date().toISOString();
    const state: PersistedHostState = {
      signingKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      installation: structuredClone(initialInstallation),
      installedAt: now,
      updatedAt: now,
    };
    const hostState = new HostState(dataFile, state, privateKey);
    hostState.write();
    return hostState;
  }

  installation(): InstallationData {
    return structuredClone(this.state.installation);
  }

  get installedAt(): string {
    return this.state.installedAt;
  }

  get updatedAt(): string {
    return this.state.updatedAt;
  }

  saveInstallation(data: InstallationData): InstallationData {
    this.state = { ...this.state, installation: structuredClone(data), updatedAt: new Date().toISOString() };
    this.write();
    return this.installation();
  }

  /** Write-then-rename, so a crash mid-write never leaves a truncated file behind. */
  private write(): void {
    if (!this.dataFile) return;
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const temporary = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.dataFile);
  }
}

function readPersistedState(dataFile: string): PersistedHostState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(dataFile, "utf8"));
  } catch (error) {
    throw new Error(`Contentstack host data file ${dataFile} is not readable JSON: ${(error as Error).message}`);
  }
  if (
    !isPlainObject(parsed) ||
    typeof parsed.signingKeyPem !== "string" ||
    typeof parsed.installedAt !== "string" ||
    typeof parsed.updatedAt !== "string"
  ) {
    throw new Error(`Contentstack host data file ${dataFile} lacks signingKeyPem/installedAt/updatedAt; delete it to start over`);
  }
  return {
    signingKeyPem: parsed.signingKeyPem,
    installation: parseInstallationData(parsed.installation),
    installedAt: parsed.installedAt,
    updatedAt: parsed.updatedAt,
  };
}
