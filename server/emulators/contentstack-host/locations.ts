/**
 * The three UI locations our manifest declares (contentstack-app.md §3, §12) and how the simulated host draws them.
 * The manifest type → init `type` mapping is Unconfirmed in the doc; `initPayloadOverrides.type` can replace it.
 */
export const HOST_LOCATIONS = ["APP_CONFIG_WIDGET", "FULL_PAGE_LOCATION", "DASHBOARD"] as const;
export type HostLocation = (typeof HOST_LOCATIONS)[number];

interface LocationDescription {
  /** Appended to the app's base URL, as `meta[].path` in the manifest. */
  path: string;
  navLabel: string;
  /** A stable fake `extension_uid` (the real host sends one uid per enabled location). */
  extensionUid: string;
}

export const LOCATIONS: Record<HostLocation, LocationDescription> = {
  APP_CONFIG_WIDGET: { path: "/config", navLabel: "App Configuration", extensionUid: "ext_app_config" },
  FULL_PAGE_LOCATION: { path: "/sync-log", navLabel: "Sync log (full page)", extensionUid: "ext_full_page" },
  DASHBOARD: { path: "/dashboard", navLabel: "Dashboard widget", extensionUid: "ext_dashboard" },
};

export function isHostLocation(value: unknown): value is HostLocation {
  return typeof value === "string" && (HOST_LOCATIONS as readonly string[]).includes(value);
}
