/**
 * Reads on a thread of their own: a second connection to the SQLite file (WAL lets it read while the store's
 * connection writes), answering queries posted to it one at a time. The event loop only posts the query and
 * decodes the rows, so a read that scans a million rows delays other reads, never ingest acks, deliveries or
 * /healthz. Each read sees everything committed before it was posted.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Row } from "./rows.ts";
import type { SqlRunner } from "./sql-runner.ts";

const READER_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, readonly: true });
db.pragma("busy_timeout = 5000");
db.pragma("cache_size = -" + workerData.cacheKib);
const statements = new Map();
parentPort.on("message", (message) => {
  if (message === "stop") { db.close(); parentPort.close(); return; }
  try {
    let statement = statements.get(message.sql);
    if (!statement) {
      if (statements.size >= workerData.maxStatements) statements.clear();
      statement = db.prepare(message.sql);
      statements.set(message.sql, statement);
    }
    parentPort.postMessage({ id: message.id, rows: statement.all(...message.params) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error && error.message || error) });
  }
});
`;

/** Prepared statements the thread keeps (filters make many shapes; past this it starts over). */
const MAX_STATEMENTS = 256;
/**
 * The thread's SQLite page cache: it fills as reads touch a growing log and then stays resident, so its size is
 * memory the process keeps. At 64 MiB it raised the steady soak's RSS floor by about 70 MB; pages past it are read
 * from the OS file cache.
 */
const CACHE_KIB = 8 * 1024;

export interface SqliteReader extends SqlRunner {
  close(): Promise<void>;
}

export function startSqliteReader(path: string): SqliteReader {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(READER_THREAD, {
    eval: true,
    workerData: { path, driver, maxStatements: MAX_STATEMENTS, cacheKib: CACHE_KIB },
  });
  worker.unref();
  const pending = new Map<number, { resolve(rows: Row[]): void; reject(error: Error): void }>();
  let nextId = 0;
  let failure: Error | null = null;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const failAll = (error: Error) => {
    failure = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on("message", (message: { id: number; rows?: Row[]; error?: string }) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.rows!);
  });
  worker.on("error", failAll);
  worker.once("exit", () => failAll(new Error("the SQLite reader thread exited")));

  const all = (sql: string, params: unknown[] = []) =>
    new Promise<Row[]>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      // Referenced while a read is outstanding, so that a process waiting only on a read does not exit.
      worker.ref();
      worker.postMessage({ id, sql, params });
    });
  return {
    all,
    run: () => Promise.reject(new Error("the SQLite reader thread only reads")),
    async close() {
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}
