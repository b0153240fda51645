import { QueryClientProvider, useQuery, type QueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { StatusPanel } from "../ui/StatusPanel";
import { createApiClient } from "./api-client";
import { errorMessage, type FetchLike } from "./http";
import { createQueryClient } from "./query-client";
import { SdkContext, type SdkContextValue } from "./sdk-context";
import type { SessionManager } from "./session";
import { SessionBanner } from "./SessionBanner";
import type { UiLocation } from "./types";

interface SdkProviderProps {
  /** The one `ContentstackAppSDK.init()` of the page, or a fake location in tests. */
  sdkPromise: Promise<UiLocation>;
  session: SessionManager;
  fetchImpl?: FetchLike;
  queryClient?: QueryClient;
  children: ReactNode;
}

const browserFetch: FetchLike = (input, init) => fetch(input, init);

/** Waits for the SDK, starts our API session and provides both (plus React Query) to the page. */
export function SdkProvider({ sdkPromise, session, fetchImpl = browserFetch, queryClient, children }: SdkProviderProps) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <QueryClientProvider client={client}>
      <SdkGate sdkPromise={sdkPromise} session={session} fetchImpl={fetchImpl}>
        {children}
      </SdkGate>
    </QueryClientProvider>
  );
}

function SdkGate({ sdkPromise, session, fetchImpl, children }: Omit<SdkProviderProps, "queryClient"> & { fetchImpl: FetchLike }) {
  const sdk = useQuery({
    queryKey: ["contentstack-sdk"],
    queryFn: () => sdkPromise,
    staleTime: Infinity,
    gcTime: Infinity,
    retry: false,
  });
  const api = useMemo(() => createApiClient(session, fetchImpl), [session, fetchImpl]);
  const value = useMemo<SdkContextValue | null>(
    () => (sdk.data ? { sdk: sdk.data, session, api } : null),
    [sdk.data, session, api],
  );

  useEffect(() => {
    session.start();
    return () => session.dispose();
  }, [session]);

  if (sdk.isError) {
    return (
      <StatusPanel title="Open this app inside Contentstack" testId="sdk-unavailable">
        <p>
          This page only works inside Contentstack (or inside the local host simulator whose URL <code>npm start</code>{" "}
          prints).
        </p>
        <p className="status-panel__detail">Contentstack did not answer: {errorMessage(sdk.error)}</p>
      </StatusPanel>
    );
  }
  if (!value) return <StatusPanel title="Connecting to Contentstack…" busy testId="sdk-connecting" />;
  return (
    <SdkContext.Provider value={value}>
      <SessionBanner />
      {children}
    </SdkContext.Provider>
  );
}
