import ContentstackAppSDK from "@contentstack/app-sdk";
import { SessionManager } from "./session";
import type { UiLocation } from "./types";

/**
 * Contentstack appends `?app-token=<JWT>` to the first load of a signed location (contentstack-app.md §7); read it
 * at module load, before the router can rewrite the URL.
 */
export const appToken: string | null = new URLSearchParams(window.location.search).get("app-token");

/** Exactly one `init()` per page: concurrent calls build two UiLocations that fight over host events (§2). */
export const sdkPromise: Promise<UiLocation> = ContentstackAppSDK.init();
// The 404 page never awaits the SDK; SdkProvider renders the rejection wherever the SDK is needed.
sdkPromise.catch(() => undefined);

export const appSession = new SessionManager({ appToken });
