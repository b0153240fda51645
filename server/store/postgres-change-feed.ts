/**
 * The live log across processes: every write NOTIFYs the changed row ids in its own transaction, so a notice goes
 * out exactly when its rows are committed; each store keeps one dedicated LISTEN connection and hands the notices
 * to its change listeners, its own writes included (they arrive the same way, so nothing arrives twice).
 * A notice sent while the LISTEN connection is down is lost; the dashboard still shows those rows on its next
 * query, and `onResumed` tells the store's workers to look for work they may have missed.
 * The same connection LISTENs on WORK_CHANNEL, which ingest notifies when it stages a request, so that workers in
 * other processes wake on new work instead of polling for it. It also holds the store's session-level advisory locks
 * (holdSharedLock), which other processes can see in pg_locks for as long as this one is connected.
 */
import pg from "pg";
import type { ChangeNotice } from "./types.ts";

export const CHANGE_CHANNEL = "sync_log_changes";
export const WORK_CHANNEL = "delivery_work";
/** PostgreSQL refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

/** The NOTIFY payloads for one installation's changed rows: JSON `{installationUid, ids}`, each under the limit. */
export function changePayloads(installationUid: string, ids: readonly number[]): string[] {
  const payloads: string[] = [];
  const prefix = JSON.stringify({ installationUid, ids: [] }).slice(0, -2);
  let chunk: number[] = [];
  let bytes = Buffer.byteLength(prefix) + 2;
  for (const id of ids) {
    const idBytes = String(id).length + 1;
    if (chunk.length && bytes + idBytes > MAX_PAYLOAD_BYTES) {
      payloads.push(JSON.stringify({ installationUid, ids: chunk }));
      chunk = [];
      bytes = Buffer.byteLength(prefix) + 2;
    }
    chunk.push(id);
    bytes += idBytes;
  }
  if (chunk.length) payloads.push(JSON.stringify({ installationUid, ids: chunk }));
  return payloads;
}

export interface ChangeFeed {
  /** Holds a shared advisory lock on `key` on the LISTEN connection from now on (again after every reconnect). */
  holdSharedLock(key: number): Promise<void>;
  close(): Promise<void>;
}

export interface ChangeFeedListeners {
  /** Rows changed (committed). */
  onNotice(notice: ChangeNotice): void;
  /** Something may be there for a worker: rows changed, a request was staged, or the feed resumed after a loss. */
  onWork(): void;
}

/** Connects, LISTENs, and reconnects with backoff whenever the connection is lost. Resolves once listening. */
export async function startChangeFeed(config: pg.ClientConfig, listeners: ChangeFeedListeners): Promise<ChangeFeed> {
  let client: pg.Client | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let delay = RECONNECT_MIN_MS;
  const heldLocks = new Set<number>();
  const takeLock = (on: pg.Client, key: number) => on.query("SELECT pg_advisory_lock_shared($1)", [key]);

  const connect = async () => {
    const next = new pg.Client({ ...config, keepAlive: true });
    next.on("notification", (message) => {
      if (message.channel === CHANGE_CHANNEL && message.payload) listeners.onNotice(JSON.parse(message.payload) as ChangeNotice);
      if (message.channel === CHANGE_CHANNEL || message.channel === WORK_CHANNEL) listeners.onWork();
    });
    next.on("error", () => reconnect(next));
    next.on("end", () => reconnect(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}; LISTEN ${WORK_CHANNEL}`);
    } catch (error) {
      void next.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await next.end();
      return;
    }
    const resumed = lostOnce;
    client = next;
    delay = RECONNECT_MIN_MS;
    // Held again on every new connection: a lost one released them.
    for (const key of heldLocks) await takeLock(next, key).catch(() => {});
    if (resumed) listeners.onWork();
  };

  let lostOnce = false;
  const reconnect = (lost: pg.Client) => {
    if (closed || client !== lost) return;
    client = null;
    lostOnce = true;
    void lost.end().catch(() => {});
    scheduleRetry();
  };

  const scheduleRetry = () => {
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect().catch(() => {
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
        if (!closed) scheduleRetry();
      });
    }, delay);
    retryTimer.unref();
  };

  await connect();
  return {
    async holdSharedLock(key) {
      if (heldLocks.has(key)) return;
      heldLocks.add(key);
      // Without a connection now, the next one takes it.
      if (client) await takeLock(client, key).catch(() => {});
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
