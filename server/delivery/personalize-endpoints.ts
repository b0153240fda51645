/**
 * Resolves an installation's Personalize base URLs (region table, or a custom URL for private endpoints) and
 * guards against SSRF: only the known regional hosts, over HTTPS, unless the operator allowlisted the host.
 */
import type { Configuration } from "../../src/shared/installation-config.ts";
import {
  KNOWN_PERSONALIZE_HOSTS,
  personalizeEdgeUrl,
  personalizeManagementUrl,
  trimTrailingSlash,
} from "../../src/shared/regions.ts";

export type EndpointResolution = { ok: true; edge: string; management: string | null } | { ok: false; reason: string };

export function resolvePersonalizeEndpoints(
  personalize: Configuration["personalize"],
  allowlist: readonly string[],
): EndpointResolution {
  if (personalize.region !== "CUSTOM") {
    return {
      ok: true,
      edge: personalizeEdgeUrl(personalize.region),
      management: personalizeManagementUrl(personalize.region),
    };
  }
  const edge = checkUrl(personalize.customEdgeUrl, "custom Edge URL", allowlist);
  if (!edge.ok) return edge;
  if (!personalize.customManagementUrl) return { ok: true, edge: edge.url, management: null };
  const management = checkUrl(personalize.customManagementUrl, "custom Management URL", allowlist);
  if (!management.ok) return management;
  return { ok: true, edge: edge.url, management: management.url };
}

function checkUrl(raw: string, label: string, allowlist: readonly string[]): { ok: true; url: string } | { ok: false; reason: string } {
  return checkOutboundUrl(raw, label, KNOWN_PERSONALIZE_HOSTS, "a Contentstack Personalize host", allowlist, "PERSONALIZE_HOST_ALLOWLIST");
}

/**
 * The SSRF guard for a URL an installation chose: one of `knownHosts` over HTTPS, or a host the operator allowlisted
 * (`allowlistName` says where), and never with credentials in it.
 */
export function checkOutboundUrl(
  raw: string,
  label: string,
  knownHosts: readonly string[],
  knownHostsName: string,
  allowlist: readonly string[],
  allowlistName: string,
): { ok: true; url: string } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${label} is not a URL` };
  }
  const allowlisted = allowlist.includes(url.host) || allowlist.includes(url.hostname);
  if (!allowlisted && !knownHosts.includes(url.host)) {
    return { ok: false, reason: `${label} host "${url.host}" is not ${knownHostsName}; ask the operator to add it to ${allowlistName}` };
  }
  if (!allowlisted && url.protocol !== "https:") return { ok: false, reason: `${label} must use https` };
  if (url.username || url.password) return { ok: false, reason: `${label} must not contain credentials` };
  return { ok: true, url: trimTrailingSlash(`${url.origin}${url.pathname}`) };
}
