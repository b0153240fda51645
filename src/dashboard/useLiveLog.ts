/**
 * The rows the table shows: loaded pages (newest first, older ones on demand) merged with what the live stream
 * reports. Every (re)connection of the stream starts from a fresh first page, so nothing that changed while
 * disconnected is missed. While paused, stream batches wait in a buffer and are applied on resume.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { logPagesKey, useLogPages, useRefreshDetails } from "./api";
import { applyStreamRows, mergeLiveRows, NO_LIVE_ROWS, type LiveRows, type StreamRows } from "./live-rows";
import { apiQuery, type LogFilters } from "./log-filters";
import { useLogStream } from "./useLogStream";

export function useLiveLog(filters: LogFilters) {
  const queryClient = useQueryClient();
  const pages = useLogPages(filters);
  const refreshDetails = useRefreshDetails();
  const query = apiQuery(filters);
  const [live, setLive] = useState<LiveRows>(NO_LIVE_ROWS);
  const [paused, setPaused] = useState(false);
  const [waiting, setWaiting] = useState(0);
  const pausedRef = useRef(false);
  const buffer = useRef<StreamRows[]>([]);
  const reconnectedWhilePaused = useRef(false);

  const restart = useCallback(() => {
    setLive(NO_LIVE_ROWS);
    void queryClient.resetQueries({ queryKey: logPagesKey(filters) });
  }, [queryClient, filters]);

  useEffect(() => {
    setLive(NO_LIVE_ROWS);
    buffer.current = [];
    setWaiting(0);
  }, [query]);

  const status = useLogStream(query, {
    onReady() {
      if (pausedRef.current) reconnectedWhilePaused.current = true;
      else restart();
    },
    onRows(rows) {
      refreshDetails(rows.items.map((item) => item.id));
      if (pausedRef.current) {
        buffer.current.push(rows);
        setWaiting(new Set(buffer.current.flatMap((batch) => batch.matching)).size);
      } else {
        setLive((current) => applyStreamRows(current, [rows]));
      }
    },
  });

  const setPausedState = useCallback(
    (next: boolean) => {
      pausedRef.current = next;
      setPaused(next);
      if (next) return;
      const batches = buffer.current;
      buffer.current = [];
      setWaiting(0);
      if (reconnectedWhilePaused.current) {
        reconnectedWhilePaused.current = false;
        restart();
      } else if (batches.length) {
        setLive((current) => applyStreamRows(current, batches));
      }
    },
    [restart],
  );

  const loaded = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data]);
  const rows = useMemo(() => mergeLiveRows(loaded, live, pages.hasNextPage), [loaded, live, pages.hasNextPage]);

  return { rows, pages, status, paused, setPaused: setPausedState, waiting };
}
