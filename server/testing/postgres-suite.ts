/**
 * Vitest suites that need PostgreSQL. `describePostgres` runs its suite only when the server at TEST_POSTGRES_URL
 * answers; otherwise it skips the suite and says so (on the console, and in a line of
 * .tmp/test-reports/postgres-skipped.txt that `npm test` repeats in its summary), or fails it when CI is set.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";
import { PROJECT_ROOT } from "../runtime.ts";
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from "./postgres.ts";

const SKIP_NOTICE_FILE = join(PROJECT_ROOT, ".tmp", "test-reports", "postgres-skipped.txt");

const where = (() => {
  const url = new URL(TEST_POSTGRES_URL);
  return `${url.hostname}:${url.port || 5432}`;
})();

async function unreachableReason(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await unreachableReason();
const postgresAvailable = unreachable === null;

/** A describe() that needs PostgreSQL: runs, skips with a notice, or (CI) fails. */
export function describePostgres(name: string, body: () => void): void {
  if (unreachable === null) {
    describe(name, body);
    return;
  }
  const notice = `PostgreSQL not reachable at ${where} (${unreachable})`;
  if (process.env.CI) {
    describe(name, () => {
      it("needs PostgreSQL (CI does not skip these tests)", () => {
        throw new Error(notice);
      });
    });
    return;
  }
  let skipped = 0;
  afterAll(() => {
    const line = `${notice}; skipped ${skipped} Postgres tests (${name})`;
    console.warn(line);
    mkdirSync(dirname(SKIP_NOTICE_FILE), { recursive: true });
    appendFileSync(SKIP_NOTICE_FILE, `${line}\n`);
  });
  describe(name, () => {
    beforeEach((context) => {
      skipped += 1;
      context.skip(notice);
    });
    body();
  });
}

/** Inside describePostgres: a database for the suite, created before its tests and dropped after them. */
export function usePostgresDatabase(): { readonly url: string } {
  let database: TestDatabase | null = null;
  beforeAll(async () => {
    if (postgresAvailable) database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get url() {
      if (!database) throw new Error("the test database exists only while the suite runs");
      return database.url;
    },
  };
}
