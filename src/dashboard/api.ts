/** React Query hooks for the sync-log API; response shapes are the server's own types. */
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useContext } from "react";
import type { InstallationAlerts } from "../../server/alerts/alert-monitor";
import type { RetryJob } from "../../server/sync-log/bulk-retry";
import type { LogEntryDetail } from "../../server/sync-log/log-detail";
import type { LogSummary } from "../../server/sync-log/log-summary";
import type { LogItem } from "../../server/sync-log/log-view";
import { useApi } from "../sdk/hooks";
import { ApiError } from "../sdk/http";
import { SdkContext } from "../sdk/sdk-context";
import { notify } from "../ui/notify";
import { apiQuery, filterBody, type LogFilters } from "./log-filters";

export type { InstallationAlerts, LogEntryDetail, LogItem, LogSummary, RetryJob };

export interface LogPage {
  items: LogItem[];
  nextCursor: number | null;
}

export interface Retention {
  days: number;
  maxRows: number;
  rows: number;
  oldestAt: number | null;
}

export const PAGE_SIZE = 50;
const LOG_KEY = "sync-log";

export const logPagesKey = (filters: LogFilters) => [LOG_KEY, "pages", apiQuery(filters)] as const;

export function useLogPages(filters: LogFilters) {
  const api = useApi();
  const query = apiQuery(filters);
  return useInfiniteQuery({
    queryKey: logPagesKey(filters),
    queryFn: ({ pageParam, signal }) =>
      api.get<LogPage>(`/api/log?${query}${query ? "&" : ""}limit=${PAGE_SIZE}${pageParam ? `&cursor=${pageParam}` : ""}`, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextCursor,
    // The live stream keeps loaded pages current; refetching would only lose the scroll position.
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useLogDetail(id: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: [LOG_KEY, "detail", id],
    queryFn: ({ signal }) => api.get<LogEntryDetail>(`/api/log/${id}`, signal),
    enabled: id !== null,
    staleTime: 0,
  });
}

/** Invalidates open details of changed rows so the drawer follows retries live. */
export function useRefreshDetails() {
  const queryClient = useQueryClient();
  return (ids: number[]) => {
    for (const id of ids) void queryClient.invalidateQueries({ queryKey: [LOG_KEY, "detail", id], exact: true });
  };
}

/** The rows of a filtered view (its time range, 24 h when empty), or every row of the last `lastMs` until now. */
export type SummaryScope = { filters: LogFilters } | { lastMs: number };

export function useLogSummary(scope: SummaryScope, refetchIntervalMs: number) {
  const api = useApi();
  const key = "lastMs" in scope ? `last=${scope.lastMs}` : apiQuery(scope.filters);
  return useQuery({
    queryKey: [LOG_KEY, "summary", key],
    queryFn: ({ signal }) => {
      const params = "lastMs" in scope ? new URLSearchParams({ from: String(Date.now() - scope.lastMs) }) : new URLSearchParams(key);
      return api.get<LogSummary>(`/api/log/summary?${params}`, signal);
    },
    refetchInterval: refetchIntervalMs,
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
}

/** How often the header's row count is read again while the page is open. */
const RETENTION_REFRESH_MS = 5_000;

/** Active alerts and their history (server/alerts); refreshed as often as the summary. */
export function useAlerts(refetchIntervalMs: number) {
  const api = useApi();
  return useQuery({
    queryKey: [LOG_KEY, "alerts"],
    queryFn: ({ signal }) => api.get<InstallationAlerts>("/api/alerts", signal),
    refetchInterval: refetchIntervalMs,
  });
}

export function useRetention() {
  const api = useApi();
  return useQuery({
    queryKey: [LOG_KEY, "retention"],
    queryFn: ({ signal }) => api.get<Retention>("/api/log/retention", signal),
    refetchInterval: RETENTION_REFRESH_MS,
  });
}

export function useRetryRow() {
  const api = useApi();
  return useMutation({
    mutationFn: (id: number) => api.post<{ requeued: number[] }>(`/api/log/${id}/retry`, {}),
    onSuccess: ({ requeued }) => notify("success", `Re-queued ${requeued.length} deliver${requeued.length === 1 ? "y" : "ies"}`),
    onError: (error) => notify("error", "Retry failed", error.message),
  });
}

export interface AssignmentCheck {
  status: "skipped" | "failed" | "unchanged" | "changed";
  reason?: string;
  assignments?: Record<string, string | null>;
}

/** The two-way sync's manifest check for one user, now: which variants Personalize gives them. */
export function useCheckAssignments() {
  const api = useApi();
  return useMutation({
    mutationFn: (userId: string) => api.post<AssignmentCheck>("/api/two-way/check", { userId }),
    onError: (error) => notify("error", "Variant check failed", error.message),
  });
}

export function useStartBulkRetry() {
  const api = useApi();
  return useMutation({
    mutationFn: (filters: LogFilters) => api.post<RetryJob>("/api/log/retry", filterBody(filters)),
    onError: (error) => notify("error", "Could not start the retry", error.message),
  });
}

/** Polls the job until it finishes. */
export function useRetryJob(jobId: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: [LOG_KEY, "retry-job", jobId],
    queryFn: ({ signal }) => api.get<RetryJob>(`/api/log/retry/${jobId}`, signal),
    enabled: jobId !== null,
    refetchInterval: (query) => (query.state.data?.finishedAt ? false : 400),
    staleTime: 0,
  });
}

export function useCancelBulkRetry() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => api.post<RetryJob>(`/api/log/retry/${jobId}/cancel`, {}),
    onSuccess: (job) => queryClient.setQueryData([LOG_KEY, "retry-job", job.id], job),
    onError: (error) => notify("error", "Could not cancel the retry", error.message),
  });
}

/**
 * Downloads the filtered rows. A plain `<a download>` cannot send our session header, so the file is fetched with
 * it and handed to the browser as a Blob.
 */
export function useExportLog() {
  const context = useContext(SdkContext);
  return useMutation({
    mutationFn: async ({ filters, format }: { filters: LogFilters; format: "csv" | "json" }) => {
      if (!context) throw new Error("The app is not connected to Contentstack.");
      const token = await context.session.token();
      const query = apiQuery(filters);
      const response = await fetch(`/api/log/export?format=${format}${query ? `&${query}` : ""}`, {
        headers: { Authorization: `Bearer ${token}` },
        credentials: "omit",
      });
      // Filters were already accepted by the list, so a refusal here is about the session or the server.
      if (!response.ok) throw new ApiError(`The export failed with HTTP ${response.status}; reload the page and try again.`, response.status, null);
      const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? `sync-log.${format}`;
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return name;
    },
    onSuccess: (name) => notify("success", `Downloaded ${name}`),
    onError: (error) => notify("error", "Export failed", error.message),
  });
}
