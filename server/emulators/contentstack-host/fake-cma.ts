/**
 * A tiny, fixed stack behind the host's `apiAdapter` (sdk.api(), the management SDK adapter) and `stackQuery`
 * (sdk.location.*.stack) messages. Bodies are shaped like Content Management API responses.
 */
import { appManifest, MASTER_LOCALE, stackDetails, type HostIdentity } from "./init-payload";

const CREATED_AT = "2026-01-05T09:00:00.000Z";

const CONTENT_TYPES = [
  {
    uid: "page",
    title: "Page",
    description: "A landing page",
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    schema: [
      { uid: "title", data_type: "text", display_name: "Title", mandatory: true, unique: true },
      { uid: "url", data_type: "text", display_name: "URL", mandatory: false, unique: false },
    ],
  },
  {
    uid: "product",
    title: "Product",
    description: "A product card",
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    schema: [
      { uid: "title", data_type: "text", display_name: "Title", mandatory: true, unique: true },
      { uid: "price", data_type: "number", display_name: "Price", mandatory: false, unique: false },
    ],
  },
];

const ENVIRONMENTS = [
  { uid: "env_development", name: "development", urls: [{ locale: MASTER_LOCALE, url: "http://localhost:3000" }] },
  { uid: "env_production", name: "production", urls: [{ locale: MASTER_LOCALE, url: "https://www.example.com" }] },
];

const LOCALES = [
  { uid: "locale_en_us", code: MASTER_LOCALE, name: "English - United States", fallback_locale: null },
  { uid: "locale_fr_fr", code: "fr-fr", name: "French - France", fallback_locale: MASTER_LOCALE },
];

function withCount<T>(key: string, items: T[], params: unknown): Record<string, unknown> {
  const includeCount =
    typeof params === "object" && params !== null && String((params as Record<string, unknown>).include_count) === "true";
  return includeCount ? { [key]: items, count: items.length } : { [key]: items };
}

export interface ApiAdapterResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  data: unknown;
}

function jsonResponse(status: number, statusText: string, data: unknown): ApiAdapterResponse {
  return { status, statusText, headers: { "content-type": "application/json" }, data };
}

/** Answers `apiAdapter {url, method, headers, data}` by path, whatever CMA host the URL names. */
export function answerApiAdapter(request: unknown, identity: HostIdentity): ApiAdapterResponse {
  const { url, method = "GET" } = (request ?? {}) as { url?: unknown; method?: unknown };
  if (typeof url !== "string") return jsonResponse(400, "Bad Request", { error_message: "apiAdapter needs a url" });
  const parsed = new URL(url, "https://api.contentstack.io");
  const params = Object.fromEntries(parsed.searchParams);
  if (String(method).toUpperCase() === "GET") {
    switch (parsed.pathname.replace(/\/+$/, "")) {
      case "/v3/content_types":
        return jsonResponse(200, "OK", withCount("content_types", CONTENT_TYPES, params));
      case "/v3/environments":
        return jsonResponse(200, "OK", withCount("environments", ENVIRONMENTS, params));
      case "/v3/locales":
        return jsonResponse(200, "OK", withCount("locales", LOCALES, params));
      case "/v3/stacks":
        return jsonResponse(200, "OK", { stack: stackDetails(identity) });
    }
  }
  return jsonResponse(404, "Not Found", {
    error_message: `The simulated CMA does not serve ${String(method).toUpperCase()} ${parsed.pathname}`,
  });
}

/** Answers `stackQuery {action, params?}`; unknown actions throw, which the SDK sees as a rejected promise. */
export function answerStackQuery(query: unknown, identity: HostIdentity): unknown {
  const { action, params } = (query ?? {}) as { action?: unknown; params?: unknown };
  switch (action) {
    case "getContentTypes":
      return withCount("content_types", CONTENT_TYPES, params);
    case "getEnvironments":
      return withCount("environments", ENVIRONMENTS, params);
    case "getLocales":
      return withCount("locales", LOCALES, params);
    case "getAppManifest":
      return appManifest(identity);
    default:
      throw new Error(`stackQuery action ${String(action)} is not simulated`);
  }
}
