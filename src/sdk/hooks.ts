import { useContext, useSyncExternalStore } from "react";
import type { ApiClient } from "./api-client";
import { SdkContext, type SdkContextValue } from "./sdk-context";
import type { SessionState } from "./session";
import type { UiLocation } from "./types";

function useSdkContext(): SdkContextValue {
  const value = useContext(SdkContext);
  if (!value) throw new Error("SDK hooks must be used inside <SdkProvider>.");
  return value;
}

export function useSdk(): UiLocation {
  return useSdkContext().sdk;
}

/** The location Contentstack opened us as, e.g. "APP_CONFIG_WIDGET" (contentstack-app.md §3). */
export function useLocationType(): string {
  return useSdk().getCurrentLocation();
}

export function useSession(): SessionState {
  const { session } = useSdkContext();
  return useSyncExternalStore(session.subscribe, session.getState);
}

export function useApi(): ApiClient {
  return useSdkContext().api;
}
