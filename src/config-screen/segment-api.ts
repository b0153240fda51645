import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { InstallationData } from "../shared/installation-config";
import type { ConnectResult, DisconnectResult, SegmentSourcesResult, SegmentSuggestions } from "../shared/segment-connect";
import { useApi } from "../sdk/hooks";
import { useDebouncedValue } from "./useDebouncedValue";

const SOURCES_KEY = "segment-sources";
const SUGGESTIONS_KEY = "segment-suggestions";
const WAITING_POLL_MS = 5_000;

/** The webhook URL this screen shows, which Connect points the destination at. */
export function ingestUrlFor(installationUid: string): string {
  return `${window.location.origin}/ingest/segment/${installationUid}`;
}

/** What selects the workspace: the token and the region, debounced so typing a token is not a request per key. */
function useWorkspaceKey(data: InstallationData): string {
  return useDebouncedValue(JSON.stringify([data.configuration.segment.region, data.serverConfiguration.segmentPublicApiToken.trim()]), 600);
}

export function useSegmentSources(data: InstallationData, installationUid: string) {
  const api = useApi();
  const workspace = useWorkspaceKey(data);
  return useQuery({
    queryKey: [SOURCES_KEY, workspace],
    queryFn: ({ signal }) => api.post<SegmentSourcesResult>("/api/segment/sources", { ...data, ingestUrl: ingestUrlFor(installationUid) }, signal),
    enabled: Boolean(data.serverConfiguration.segmentPublicApiToken.trim()),
    staleTime: 30_000,
    // While a connected source waits for Segment's first delivery, look again every few seconds.
    refetchInterval: (query) => (query.state.data?.sources.some((source) => source.connection.state === "connected") ? WAITING_POLL_MS : false),
  });
}

export function useSegmentConnect(data: InstallationData, installationUid: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sourceIds: string[]) =>
      api.post<ConnectResult>("/api/segment/connect", { ...data, sourceIds, ingestUrl: ingestUrlFor(installationUid) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [SOURCES_KEY] }),
  });
}

export function useSegmentDisconnect(data: InstallationData) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sourceId: string) => api.post<DisconnectResult>("/api/segment/disconnect", { ...data, sourceId }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [SOURCES_KEY] }),
  });
}

/** Event names and trait paths from the workspace's tracking plans and Unify, once a token is set. */
export function useSegmentSuggestions(data: InstallationData) {
  const api = useApi();
  const workspace = useWorkspaceKey(data);
  return useQuery({
    queryKey: [SUGGESTIONS_KEY, workspace],
    queryFn: ({ signal }) => api.post<SegmentSuggestions>("/api/segment/suggestions", data, signal),
    enabled: Boolean(data.serverConfiguration.segmentPublicApiToken.trim()),
    staleTime: 5 * 60_000,
  });
}
