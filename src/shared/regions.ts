/**
 * Personalize base URLs per Contentstack region (personalize-api.md §2) and the Contentstack app hosts that
 * publish the app-token signing key (contentstack-app.md §7). Shared by the config screen and the server.
 */
export const REGIONS = ["NA", "EU", "AU", "AZURE_NA", "AZURE_EU", "GCP_NA", "GCP_EU"] as const;
export type Region = (typeof REGIONS)[number];

const HOST_PREFIX: Record<Region, string> = {
  NA: "",
  EU: "eu-",
  AU: "au-",
  AZURE_NA: "azure-na-",
  AZURE_EU: "azure-eu-",
  GCP_NA: "gcp-na-",
  GCP_EU: "gcp-eu-",
};

export const REGION_LABELS: Record<Region, string> = {
  NA: "AWS North America",
  EU: "AWS Europe",
  AU: "AWS Australia",
  AZURE_NA: "Azure North America",
  AZURE_EU: "Azure Europe",
  GCP_NA: "GCP North America",
  GCP_EU: "GCP Europe",
};

export function personalizeEdgeUrl(region: Region): string {
  return `https://${HOST_PREFIX[region]}personalize-edge.contentstack.com`;
}

export function personalizeManagementUrl(region: Region): string {
  return `https://${HOST_PREFIX[region]}personalize-api.contentstack.com`;
}

export function contentstackAppHost(region: Region): string {
  return `https://${HOST_PREFIX[region]}app.contentstack.com`;
}

/** Every Edge and Management host we may call without an operator allowlist (SSRF guard). */
export const KNOWN_PERSONALIZE_HOSTS: readonly string[] = REGIONS.flatMap((r) => [
  new URL(personalizeEdgeUrl(r)).host,
  new URL(personalizeManagementUrl(r)).host,
]);

export const SEGMENT_REGIONS = ["US", "EU"] as const;
export type SegmentRegion = (typeof SEGMENT_REGIONS)[number];

/** Tracking API hosts (segment.md §4); analytics-node takes them without `/v1`. */
export function segmentTrackingHost(region: SegmentRegion): string {
  return region === "EU" ? "https://events.eu1.segmentapis.com" : "https://api.segment.io";
}

/** Public API base URLs (segment.md §8); the SDK's `configureEuApis` switches to eu1. */
export function segmentPublicApiUrl(region: SegmentRegion): string {
  return region === "EU" ? "https://eu1.api.segmentapis.com" : "https://api.segmentapis.com";
}

/** Segment's callers concatenate a base URL with a path; strip a trailing slash first (personalize-api.md §2). */
export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
