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
/** A reader this far behind is dropped (it reconnects and reloads), not buffered for. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
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
        if (response.writableEnded || response.destroyed) return;
        if (response.writableLength > MAX_BUFFERED_BYTES) {
          response.destroy();
          return;
        }
        response.write(chunk);
      };
      const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

      const pending = new Set<number>();
      let timer: NodeJS.Timeout | null = null;
      let sending: Promise<void> = Promise.resolve();

      const push = async (ids: number[]) => {
        for (let start = 0; start < ids.length; start += IDS_PER_EVENT) {
          const chunk = ids.slice(start, start + IDS_PER_EVENT);
          const rows = await store.getLogRows(installationUid, chunk);
          const matching = isUnfiltered(filter)
            ? rows.map((row) => row.id)
            : (await store.queryLog({ ...filter, installationUid, ids: chunk, limit: chunk.length })).map((row) => row.id);
          send("rows", { items: rows.map(toLogItem), matching });
        }
      };
      const flush = () => {
        timer = null;
        const ids = [...pending];
        pending.clear();
        sending = sending
          .then(() => push(ids))
          .catch((error: unknown) => request.log.warn({ err: error }, "live log: sending changed rows failed"));
      };

      const unsubscribe = store.onChange((notice) => {
        if (notice.installationUid !== installationUid) return;
        for (const id of notice.ids) pending.add(id);
        timer ??= setTimeout(flush, BATCH_MS);
      });
      const heartbeat = setInterval(() => write(": heartbeat\n\n"), HEARTBEAT_MS);
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
