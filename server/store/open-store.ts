/** Opens the store DATABASE_URL names: `postgres://…` → PostgreSQL, anything else → a SQLite file. */
import { accessSync, constants, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "../config.ts";
import type { SecretBox } from "../security/secret-box.ts";
import { openPostgresStore } from "./postgres-store.ts";
import { openSqliteStore } from "./sqlite-store.ts";
import type { Store } from "./types.ts";

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

export async function openStore(databaseUrl: string, secrets: SecretBox): Promise<Store> {
  if (isPostgresUrl(databaseUrl)) {
    try {
      return await openPostgresStore(databaseUrl, secrets);
    } catch (error) {
      const shown = databaseUrl.replace(/\/\/[^@/]*@/, "//…@");
      throw new ConfigError(`Invalid configuration: DATABASE_URL "${shown}" cannot be opened: ${(error as Error).message}`);
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
