import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PROJECT_UID_PATTERN, type Configuration, type InstallationData } from "../shared/installation-config";
import { useApi } from "../sdk/hooks";
import { notify } from "../ui/notify";
import { useDebouncedValue } from "./useDebouncedValue";

/** Response shapes of the server routes the config screen calls. */
export interface ConnectionCheck {
  ok: boolean;
  status: number | null;
  message: string;
}

export interface ConnectionTestResult {
  edge: ConnectionCheck;
  /** null when no Management API token was given. */
  management: ConnectionCheck | null;
  /** The two-way sync's Segment write key; null when the two-way sync is off or has no key. */
  segment: ConnectionCheck | null;
}

export interface PersonalizeCatalog {
  attributes: { uid: string; key: string; name: string; type: string }[];
  events: { uid: string; key: string; name: string }[];
  audiences: { uid: string; name: string }[];
}

export interface ObservedKeys {
  traits: { path: string; count: number; lastSeen: string | number }[];
  events: { source: "track" | "page" | "screen"; name: string; count: number; lastSeen: string | number }[];
}

export interface RecentEvent {
  id: string;
  receivedAt: string | number;
  type: string;
  name: string | null;
  userId: string | null;
  payload: unknown;
}

export interface TesterRequest {
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** Which mapping rows produced which part of the request. */
  sources: unknown;
}

export interface PreviewResult {
  mapping: { userUid: string | null; operations: unknown; filtered: unknown; notes: unknown; engage: unknown };
  requests: TesterRequest[];
}

export interface SentRequest extends TesterRequest {
  response: { status: number; body: unknown; latencyMs: number } | null;
  error: string | null;
}

interface SendResult {
  requests: SentRequest[];
}

export function useTestConnection() {
  const api = useApi();
  return useMutation({
    mutationFn: (data: InstallationData) => api.post<ConnectionTestResult>("/api/personalize/test-connection", data),
  });
}

const CATALOG_KEY = "personalize-catalog";

/** Why the catalog cannot be loaded yet, or null when it can. */
function catalogUnavailableReason(data: InstallationData): string | null {
  const { personalize } = data.configuration;
  if (!PROJECT_UID_PATTERN.test(personalize.projectUid.trim())) {
    return "Enter a valid Personalize project UID to load its attributes, events and audiences.";
  }
  if (!data.serverConfiguration.personalizeManagementToken.trim()) {
    return "Add a Management API token to load the attributes, events and audiences of the project.";
  }
  if (personalize.region === "CUSTOM" && !personalize.customManagementUrl.trim()) {
    return "Set the custom Management API URL to load the attributes, events and audiences of the project.";
  }
  return null;
}

/** Attributes, events and audiences of the Personalize project, refetched when its credentials settle. */
export function usePersonalizeCatalog(data: InstallationData) {
  const api = useApi();
  const { personalize } = data.configuration;
  const { personalizeManagementToken, personalizeManagementTokenType } = data.serverConfiguration;
  const unavailable = catalogUnavailableReason(data);
  // Only what selects the project and credential, debounced: typing a token should not fire a request per key.
  const target = useDebouncedValue(
    JSON.stringify([
      personalize.region,
      personalize.customManagementUrl.trim(),
      personalize.projectUid.trim(),
      personalizeManagementTokenType,
      personalizeManagementToken.trim(),
    ]),
    600,
  );
  const query = useQuery({
    queryKey: [CATALOG_KEY, target],
    queryFn: ({ signal }) => api.post<PersonalizeCatalog>("/api/personalize/catalog", data, signal),
    enabled: unavailable === null,
    staleTime: 5 * 60_000,
  });
  return { ...query, unavailable };
}

export function useCreateInPersonalize(data: InstallationData) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (item: { kind: "attribute" | "event"; key: string; name: string }) =>
      api.post<unknown>("/api/personalize/create", { ...data, ...item }),
    onSuccess: (_result, item) => {
      notify("success", `Created ${item.kind} "${item.key}" in Personalize`);
      return queryClient.invalidateQueries({ queryKey: [CATALOG_KEY] });
    },
  });
}

/** Trait paths and event names seen in this installation's Segment traffic. */
export function useObservedKeys() {
  const api = useApi();
  return useQuery({
    queryKey: ["observed"],
    queryFn: ({ signal }) => api.get<ObservedKeys>("/api/observed", signal),
    staleTime: 60_000,
  });
}

export function useRecentEvents() {
  const api = useApi();
  return useQuery({
    queryKey: ["recent-events"],
    queryFn: ({ signal }) => api.get<{ items: RecentEvent[] }>("/api/log/recent-events?limit=20", signal),
    staleTime: 15_000,
  });
}

/** Dry run: what the server would send for `event` with this (unsaved) configuration. */
export function usePreviewEvent() {
  const api = useApi();
  return useMutation({
    mutationFn: (input: { configuration: Configuration; event: unknown }) =>
      api.post<PreviewResult>("/api/tester/preview", input),
  });
}

export function useSendEvent() {
  const api = useApi();
  return useMutation({
    mutationFn: (input: InstallationData & { event: unknown }) => api.post<SendResult>("/api/tester/send", input),
  });
}
