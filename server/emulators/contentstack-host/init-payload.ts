/**
 * The reply to the SDK's `init` request (contentstack-app.md §10). What the real host puts in `endpoints` and
 * `stack` is Unconfirmed: every field can be replaced through `initPayloadOverrides`.
 */
import { REGIONS, type Region } from "../../../src/shared/regions";
import { LOCATIONS, type HostLocation } from "./locations";

export const APP_NAME = "Segment Sync";
export const STACK_NAME = "Segment sync dev stack";
export const MASTER_LOCALE = "en-us";
const CURRENT_BRANCH = "main";

/** Per contentstack-marketplace-sdk `lib/assets/regions.json`. */
const ENDPOINTS: Record<Region, { APP: string; CMA: string; DEVELOPER_HUB: string }> = {
  NA: {
    APP: "https://app.contentstack.com",
    CMA: "https://api.contentstack.io",
    DEVELOPER_HUB: "https://developerhub-api.contentstack.com",
  },
  EU: {
    APP: "https://eu-app.contentstack.com",
    CMA: "https://eu-api.contentstack.com",
    DEVELOPER_HUB: "https://eu-developerhub-api.contentstack.com",
  },
  AU: {
    APP: "https://au-app.contentstack.com",
    CMA: "https://au-api.contentstack.com",
    DEVELOPER_HUB: "https://au-developerhub-api.contentstack.com",
  },
  AZURE_NA: {
    APP: "https://azure-na-app.contentstack.com",
    CMA: "https://azure-na-api.contentstack.com",
    DEVELOPER_HUB: "https://azure-na-developerhub-api.contentstack.com",
  },
  AZURE_EU: {
    APP: "https://azure-eu-app.contentstack.com",
    CMA: "https://azure-eu-api.contentstack.com",
    DEVELOPER_HUB: "https://azure-eu-developerhub-api.contentstack.com",
  },
  GCP_NA: {
    APP: "https://gcp-na-app.contentstack.com",
    CMA: "https://gcp-na-api.contentstack.com",
    DEVELOPER_HUB: "https://gcp-na-developerhub-api.contentstack.com",
  },
  GCP_EU: {
    APP: "https://gcp-eu-app.contentstack.com",
    CMA: "https://gcp-eu-api.contentstack.com",
    DEVELOPER_HUB: "https://gcp-eu-developerhub-api.contentstack.com",
  },
};

export function parseRegion(value: string): Region {
  if (!(REGIONS as readonly string[]).includes(value)) {
    throw new Error(`Unknown Contentstack region ${value}; expected one of ${REGIONS.join(", ")}`);
  }
  return value as Region;
}

export interface HostIdentity {
  appUid: string;
  appVersion: number;
  installationUid: string;
  stackApiKey: string;
  organizationUid: string;
  userUid: string;
  region: Region;
}

export function appManifest(identity: HostIdentity): { version: number; uid: string; name: string } {
  return { version: identity.appVersion, uid: identity.appUid, name: APP_NAME };
}

export function stackDetails(identity: HostIdentity): Record<string, unknown> {
  return {
    api_key: identity.stackApiKey,
    org_uid: identity.organizationUid,
    name: STACK_NAME,
    uid: `stack_${identity.stackApiKey}`,
    master_locale: MASTER_LOCALE,
    branches: [{ uid: CURRENT_BRANCH, api_key: identity.stackApiKey, source: "", alias: [] }],
  };
}

export function initPayload(
  location: HostLocation,
  identity: HostIdentity,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: location,
    app_id: identity.appUid,
    installation_uid: identity.installationUid,
    extension_uid: LOCATIONS[location].extensionUid,
    // The SDK constructor reads user.uid unguarded, so `user` must always be present.
    user: {
      uid: identity.userUid,
      email: "developer@example.com",
      username: "developer",
      first_name: "Dev",
      last_name: "Eloper",
      org_uid: [identity.organizationUid],
      organizations: [{ uid: identity.organizationUid, name: "Example organization", is_owner: true }],
      roles: [],
    },
    stack: stackDetails(identity),
    currentBranch: CURRENT_BRANCH,
    region: identity.region,
    endpoints: ENDPOINTS[identity.region],
    manifest: appManifest(identity),
    ...(location === "DASHBOARD" ? { dashboard_width: "full_width" } : {}),
    ...overrides,
  };
}
