/** Opens the store DATABASE_URL names: `postgres://…` → PostgreSQL, anything else → a SQLite file. */
import { accessSync, constants, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../config.ts";
import type { SecretBox } from "../security/secret-box.ts";
import { openPostgresStore } from "./postgres-store.ts";
import { openSqliteStore } from "./sqlite-store.ts";
import type { Store } from "./types.ts";

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
/** Connection failures a database that is starting, restarting or briefly unreachable gives; others are configuration errors. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "57P03"]);

function isUnreachable(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (code !== undefined && UNREACHABLE_CODES.has(code)) || /timeout|terminated unexpectedly|Connection terminated/i.test(message ?? "");
}

export interface OpenStoreOptions {
  /** Told about each failed attempt to reach PostgreSQL before the next one, `delayMs` later. */
  onRetry?(reason: string, delayMs: number): void;
}

/**
 * Opens the store. A PostgreSQL server that cannot be reached yet is tried again with backoff (250 ms doubling to
 * 10 s) until it answers, so that processes may start before the database; a configuration error fails at once.
 */
export async function openStore(databaseUrl: string, secrets: SecretBox, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(databaseUrl)) {
    const shown = databaseUrl.replace(/\/\/[^@/]*@/, "//…@");
    for (let delay = RETRY_MIN_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        return await openPostgresStore(databaseUrl, secrets);
      } catch (error) {
        if (!isUnreachable(error)) {
          throw new ConfigError(`Invalid configuration: DATABASE_URL "${shown}" cannot be opened: ${(error as Error).message}`);
        }
        options.onRetry?.(`DATABASE_URL "${shown}" is not reachable yet: ${(error as Error).message}`, delay);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
  const path = databaseUrl.replace(/^sqlite:/, "");
  if (path !== ":memory:") {
    const dir = dirname(resolve(path));
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK | constants.R_OK);
    } catch (error) {
      throw new ConfigError(`Invalid configuration: DATABASE_URL "${path}" is not usable: ${(error as Error).message}`);
    }
  }
  try {
    return openSqliteStore(path, secrets);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: DATABASE_URL "${path}" cannot be opened: ${(error as Error).message}`);
  }
}
