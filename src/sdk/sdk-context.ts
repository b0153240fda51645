import { createContext } from "react";
import type { ApiClient } from "./api-client";
import type { SessionManager } from "./session";
import type { UiLocation } from "./types";

export interface SdkContextValue {
  sdk: UiLocation;
  session: SessionManager;
  api: ApiClient;
}

export const SdkContext = createContext<SdkContextValue | null>(null);
