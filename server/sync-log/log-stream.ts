/**
 * The live log as Server-Sent Events. Each connection listens to the store's change notices for its own
 * installation only, gathers changed ids for BATCH_MS, and sends one `rows` event: the changed rows (list
 * columns) and which of them match the connection's filter, so the client can update rows it shows and add only
 * matching new ones. Comments keep proxies from closing an idle stream. Batches go out in order, one at a time.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { VerifiedSession } from "../auth/session-token.ts";
import type { StreamAdmission } from "../http/stream-admission.ts";
import type { Store } from "../store/types.ts";
import { isUnfiltered, type LogFilter } from "./log-filter.ts";
import { toLogItem } from "./log-view.ts";

const BATCH_MS = 75;
const HEARTBEAT_MS = 15_000;
const IDS_PER_EVENT = 500;
/**
 * Backpressure: while more than HIGH_WATER_BYTES wait in the socket, no rows are fetched or sent; only the ids of
 * changed rows are remembered, and a reader more than MAX_PENDING_IDS changes behind is dropped (the page
 * reconnects and reloads) rather than buffered for. Together they bound what one stalled stream holds (about
 * 0.5 MB), so LIVE_STREAMS_MAX stalled streams stay within the memory one process promises.
 */
const HIGH_WATER_BYTES = 256 * 1024;
const MAX_PENDING_IDS = 5_000;
const SESSION_CHECK_MS = 5000;

/**
 * `admission` caps streams per installation and per process; `sessionEnded` says why a session no longer holds
 * (uninstalled). A stream ends when its session expires or ends.
 */
export function createLogStreams(
  store: Store,
  deps: { admission: StreamAdmission; sessionEnded: (session: VerifiedSession) => Promise<string | null> },
) {
  const open = new Set<() => void>();

  return {
    serve(request: FastifyRequest, reply: FastifyReply, session: VerifiedSession, filter: LogFilter): void {
      const { installationUid } = session;
      const release = deps.admission.admit(installationUid);
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      const write = (chunk: string) => {
        if (!response.writableEnded && !response.destroyed) response.write(chunk);
      };
      const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const drained = () =>
        new Promise<void>((resolve) => {
          const done = () => {
            response.off("drain", done);
            response.off("close", done);
            resolve();
          };
          response.on("drain", done);
          response.on("close", done);
        });

      const pending = new Set<number>();
      let timer: NodeJS.Timeout | null = null;
      let sending = false;

      const push = async (ids: number[]) => {
        const rows = await store.getLogRows(installationUid, ids);
        const matching = isUnfiltered(filter)
          ? rows.map((row) => row.id)
          : (await store.queryLog({ ...filter, installationUid, ids, limit: ids.length })).map((row) => row.id);
        send("rows", { items: rows.map(toLogItem), matching });
      };
      /** One loop at a time sends what is pending, in order, waiting for the socket to drain between batches. */
      const flush = async () => {
        timer = null;
        if (sending) return;
        sending = true;
        try {
          while (pending.size > 0 && !response.destroyed) {
            if (response.writableLength > HIGH_WATER_BYTES) await drained();
            const ids = [...pending].slice(0, IDS_PER_EVENT);
            for (const id of ids) pending.delete(id);
            await push(ids);
          }
        } catch (error) {
          request.log.warn({ err: error }, "live log: sending changed rows failed");
        } finally {
          sending = false;
        }
      };

      const unsubscribe = store.onChange((notice) => {
        if (notice.installationUid !== installationUid) return;
        for (const id of notice.ids) pending.add(id);
        if (pending.size > MAX_PENDING_IDS) {
          response.destroy();
          return;
        }
        timer ??= setTimeout(() => void flush(), BATCH_MS);
      });
      const heartbeat = setInterval(() => response.writableLength === 0 && write(": heartbeat\n\n"), HEARTBEAT_MS);
      const sessionEnd = setTimeout(() => close(), Math.max(0, session.sessionExpiresAt - Date.now()));
      const sessionCheck = setInterval(() => {
        deps.sessionEnded(session).then(
          (ended) => ended && close(),
          () => {},
        );
      }, SESSION_CHECK_MS);
      const close = () => {
        release();
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(sessionEnd);
        clearInterval(sessionCheck);
        if (timer) clearTimeout(timer);
        open.delete(close);
        if (!response.writableEnded) response.end();
      };
      open.add(close);
      response.on("close", close);
      send("ready", { at: Date.now() });
    },

    /** Ends every open stream (server shutdown: an open stream would keep the server from closing). */
    closeAll(): void {
      for (const close of [...open]) close();
    },
  };
}
export type LogStreams = ReturnType<typeof createLogStreams>;
