/**
 * The two calls an algorithm written once needs from either database, with `?` placeholders in both: the
 * dialect-free parts of the store (retry jobs, …) are written against this, not against a driver.
 */
import type Database from "better-sqlite3";
import type pg from "pg";
import type { Row } from "./rows.ts";
import { toDollarParams } from "./statements.ts";

export interface SqlRunner {
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
}

export function sqliteRunner(db: Database.Database): SqlRunner {
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  return {
    all: async (sql, params = []) => prepared(sql).all(...params) as Row[],
    run: async (sql, params = []) => prepared(sql).run(...params).changes,
  };
}

/** Over the pool, or over one connection (to run inside its session, its advisory locks held). */
export function postgresRunner(pool: pg.Pool | pg.PoolClient): SqlRunner {
  const rendered = new Map<string, string>();
  const render = (sql: string) => {
    let text = rendered.get(sql);
    if (text === undefined) rendered.set(sql, (text = toDollarParams(sql)));
    return text;
  };
  return {
    all: async (sql, params = []) => (await pool.query(render(sql), params)).rows,
    run: async (sql, params = []) => (await pool.query(render(sql), params)).rowCount ?? 0,
  };
}
