/**
 * The live log over Server-Sent Events. EventSource cannot send our session header, so each connection first
 * trades the session for a 60-second stream token (POST /api/stream-token) and puts it in the URL; the server
 * checks it only when connecting. On any error the connection is closed (the browser would reconnect with the
 * expired token) and reopened with a fresh token after a growing delay.
 */
import { useEffect, useRef, useState } from "react";
import { useApi } from "../sdk/hooks";
import { SessionExpiredError } from "../sdk/http";
import type { StreamRows } from "./live-rows";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "stopped";

interface LogStreamHandlers {
  /** Each (re)connection: what was loaded before may have missed changes. */
  onReady(): void;
  onRows(rows: StreamRows): void;
}

const MAX_RECONNECT_DELAY_MS = 15_000;

export function useLogStream(filterQuery: string, handlers: LogStreamHandlers): StreamStatus {
  const api = useApi();
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;

    const reconnectLater = () => {
      setStatus("reconnecting");
      const delay = Math.min(1000 * 2 ** failures, MAX_RECONNECT_DELAY_MS);
      failures += 1;
      retryTimer = setTimeout(() => void connect(), delay);
    };

    const connect = async () => {
      let token: string;
      try {
        ({ token } = await api.post<{ token: string }>("/api/stream-token", {}));
      } catch (error) {
        if (stopped) return;
        if (error instanceof SessionExpiredError) setStatus("stopped");
        else reconnectLater();
        return;
      }
      if (stopped) return;
      const stream = new EventSource(`/api/log/stream?token=${encodeURIComponent(token)}${filterQuery ? `&${filterQuery}` : ""}`);
      source = stream;
      stream.addEventListener("ready", () => {
        failures = 0;
        setStatus("live");
        latest.current.onReady();
      });
      stream.addEventListener("rows", (event) => latest.current.onRows(JSON.parse((event as MessageEvent<string>).data) as StreamRows));
      stream.onerror = () => {
        stream.close();
        if (!stopped) reconnectLater();
      };
    };

    setStatus("connecting");
    void connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      source?.close();
    };
  }, [api, filterQuery]);

  return status;
}
