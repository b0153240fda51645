/** The UI locations this app serves, each on its own path under the manifest's base_url (contentstack-app.md §12). */
export interface AppLocation {
  path: string;
  /** What `getCurrentLocation()` returns there. */
  type: string;
  name: string;
}

export const APP_CONFIG: AppLocation = { path: "/config", type: "APP_CONFIG_WIDGET", name: "App Configuration" };
export const SYNC_LOG: AppLocation = { path: "/sync-log", type: "FULL_PAGE_LOCATION", name: "Full page (sync log)" };
export const DASHBOARD: AppLocation = { path: "/dashboard", type: "DASHBOARD", name: "Dashboard widget" };

export const APP_LOCATIONS: readonly AppLocation[] = [APP_CONFIG, SYNC_LOG, DASHBOARD];
