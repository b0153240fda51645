/**
 * The preset attributes (§7.3) of one /manifest request, read from what the visitor's request forwards (§3.1):
 * `User-Agent`, `Referer`, `X-Page-Url`, `X-Forwarded-For`. Unconfirmed: Personalize's exact values; the emulator
 * answers DEVICE_TYPE MOBILE / TABLET / DESKTOP (the doc's own example value is "MOBILE"), and geography from the
 * project's `visitorGeo` fixture keyed by the client address, since it has no geo-IP database.
 */
import type { PresetRef } from "./audience-rules.ts";

export interface VisitorGeo {
  country: string;
  region?: string;
  city?: string;
}

export interface PresetSources {
  header(name: string): string | undefined;
  remoteAddress: string | undefined;
  receivedAt: number;
  geoByAddress: ReadonlyMap<string, VisitorGeo>;
}

function deviceType(userAgent: string): string {
  if (/ipad|tablet/i.test(userAgent)) return "TABLET";
  if (/mobi|iphone|android/i.test(userAgent)) return "MOBILE";
  return "DESKTOP";
}

function operatingSystem(userAgent: string): string | undefined {
  if (/iphone|ipad|ios/i.test(userAgent)) return "iOS";
  if (/android/i.test(userAgent)) return "Android";
  if (/windows/i.test(userAgent)) return "Windows";
  if (/mac os|macintosh/i.test(userAgent)) return "macOS";
  if (/linux/i.test(userAgent)) return "Linux";
  return undefined;
}

export function requestPresets(sources: PresetSources): Partial<Record<PresetRef, unknown>> {
  const presets: Partial<Record<PresetRef, unknown>> = { DATE_AND_TIME: new Date(sources.receivedAt).toISOString() };
  const userAgent = sources.header("user-agent");
  if (userAgent) {
    presets.DEVICE_TYPE = deviceType(userAgent);
    const os = operatingSystem(userAgent);
    if (os) presets.OPERATING_SYSTEM = os;
  }
  const referrer = sources.header("referer");
  if (referrer) presets.REFERRER = referrer;
  const pageUrl = sources.header("x-page-url");
  if (pageUrl) {
    try {
      const query = new URL(pageUrl).search.replace(/^\?/, "");
      if (query) presets.QUERY_PARAMETERS = query;
    } catch {
      // Not a URL: the page has no readable query.
    }
  }
  const address = sources.header("x-forwarded-for")?.split(",")[0]?.trim() || sources.remoteAddress;
  const geo = address === undefined ? undefined : sources.geoByAddress.get(address);
  if (geo) {
    presets.COUNTRY = geo.country;
    if (geo.region) presets.REGION = geo.region;
    if (geo.city) presets.CITY = geo.city;
  }
  return presets;
}
