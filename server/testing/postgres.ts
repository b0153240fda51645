/**
 * Throwaway PostgreSQL databases and schemas for tests and benchmarks, on the server at TEST_POSTGRES_URL (or
 * another one): a fresh database per test file, stack or benchmark run, so that parallel runs never see each
 * other's rows.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE sync_test_<random> on the server `serverUrl` names (through a database that exists there). */
export async function createTestDatabase(serverUrl = TEST_POSTGRES_URL): Promise<TestDatabase> {
  const name = `sync_test_${randomBytes(6).toString("hex")}`;
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** A fresh schema in the database at `databaseUrl`, and a URL whose connections use it (cheaper than a database). */
export async function createTestSchema(databaseUrl: string): Promise<string> {
  const schema = `s_${randomBytes(6).toString("hex")}`;
  await admin(databaseUrl, (client) => client.query(`CREATE SCHEMA ${schema}`));
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

