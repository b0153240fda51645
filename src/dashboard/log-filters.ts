/**
 * The log filters as they live in the page URL (so a filtered view can be shared) and as the API reads them: the
 * same parameter names (`status=failed,dead_lettered&userId=…`), times as ISO-8601 UTC. One difference: the page
 * hides the two-way sync's manifest checks unless `showChecks=1` (one per identify would double the rows), while
 * the API shows every row unless asked `hideChecks=1`.
 */
export const TEXT_FILTERS = ["eventType", "eventName", "userId", "messageId", "httpStatus", "httpStatusClass", "error", "showChecks", "from", "to"] as const;
export type TextFilter = (typeof TEXT_FILTERS)[number];

export interface LogFilters extends Record<TextFilter, string> {
  direction: string[];
  status: string[];
}

export const EMPTY_FILTERS: LogFilters = {
  direction: [],
  status: [],
  eventType: "",
  eventName: "",
  userId: "",
  messageId: "",
  httpStatus: "",
  httpStatusClass: "",
  error: "",
  showChecks: "",
  from: "",
  to: "",
};

export const DIRECTION_OPTIONS = [
  { value: "inbound", label: "Segment → app" },
  { value: "personalize", label: "App → Personalize" },
  { value: "segment", label: "App → Segment" },
] as const;

/** What the page offers; each option stands for one or more stored statuses. */
export const STATUS_OPTIONS = [
  { id: "received", label: "Received", statuses: ["queued", "processing"] },
  { id: "sending", label: "Sending", statuses: ["pending", "in_flight"] },
  { id: "pending-retry", label: "Pending retry", statuses: ["pending_retry"] },
  { id: "delivered", label: "Delivered", statuses: ["delivered"] },
  { id: "filtered", label: "Filtered", statuses: ["filtered"] },
  { id: "deduplicated", label: "Deduplicated", statuses: ["deduplicated"] },
  { id: "rejected", label: "Rejected", statuses: ["rejected"] },
  { id: "failed", label: "Failed", statuses: ["failed"] },
  { id: "dead-lettered", label: "Dead-lettered", statuses: ["dead_lettered"] },
] as const;

export const EVENT_TYPE_OPTIONS = ["identify", "track", "page", "screen", "group", "alias", "attributes", "events", "merge"] as const;

const list = (value: string | null) => (value ? value.split(",").map((part) => part.trim()).filter(Boolean) : []);

export function filtersFromSearch(search: URLSearchParams): LogFilters {
  const filters: LogFilters = { ...EMPTY_FILTERS, direction: list(search.get("direction")), status: list(search.get("status")) };
  for (const key of TEXT_FILTERS) filters[key] = search.get(key) ?? "";
  return filters;
}

/** The filter part of the page URL; empty filters are left out. */
export function filterQuery(filters: LogFilters): string {
  const params = new URLSearchParams();
  if (filters.direction.length) params.set("direction", filters.direction.join(","));
  if (filters.status.length) params.set("status", filters.status.join(","));
  for (const key of TEXT_FILTERS) if (filters[key].trim()) params.set(key, filters[key].trim());
  return params.toString();
}

/** `search` with its filter parameters replaced by `filters`; other parameters (the open row) are kept. */
export function withFilters(search: URLSearchParams, filters: LogFilters): URLSearchParams {
  const next = new URLSearchParams(search);
  for (const key of ["direction", "status", ...TEXT_FILTERS]) next.delete(key);
  for (const [key, value] of new URLSearchParams(filterQuery(filters))) next.set(key, value);
  return next;
}

/** The filters as the API reads them (list, summary, stream, export). */
export function apiQuery(filters: LogFilters): string {
  const params = new URLSearchParams(filterQuery(filters));
  if (params.has("showChecks")) params.delete("showChecks");
  else params.set("hideChecks", "1");
  return params.toString();
}

/** The filters as the bulk-retry body. */
export function filterBody(filters: LogFilters): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(apiQuery(filters)));
}

export function activeFilterCount(filters: LogFilters): number {
  return new URLSearchParams(filterQuery(filters)).size;
}

export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A local date (yyyy-MM-dd) and time of day (HH:MM, "" for midnight) → ISO-8601 UTC; "" when unreadable. */
export function localDateTimeToIso(date: string, time: string): string {
  const [year, month, day] = date.split("-").map(Number);
  const [hours, minutes] = TIME_OF_DAY.test(time) ? time.split(":").map(Number) : [0, 0];
  const local = new Date(year, month - 1, day, hours, minutes);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && Number.isFinite(local.getTime()) ? local.toISOString() : "";
}

/** ISO-8601 UTC → the local date (yyyy-MM-dd) and time of day (HH:MM); both "" when empty or unreadable. */
export function isoToLocalDateTime(value: string): { date: string; time: string } {
  const time = Date.parse(value);
  if (!value || !Number.isFinite(time)) return { date: "", time: "" };
  const local = new Date(time);
  const two = (n: number) => String(n).padStart(2, "0");
  return { date: `${local.getFullYear()}-${two(local.getMonth() + 1)}-${two(local.getDate())}`, time: `${two(local.getHours())}:${two(local.getMinutes())}` };
}

const FILTER_LABELS: Record<TextFilter, string> = {
  eventType: "Event type",
  eventName: "Event name",
  userId: "User ID",
  messageId: "Message ID",
  httpStatus: "HTTP status",
  httpStatusClass: "HTTP status class",
  error: "Error contains",
  showChecks: "With two-way manifest checks",
  from: "From",
  to: "To",
};

/** The active filters in the page's words: "User ID = cleo-3, Status = Failed". */
export function describeFilters(filters: LogFilters): string {
  const parts: string[] = [];
  if (filters.direction.length) {
    parts.push(`Direction = ${filters.direction.map((value) => DIRECTION_OPTIONS.find((o) => o.value === value)?.label ?? value).join(" or ")}`);
  }
  if (filters.status.length) {
    const labels = STATUS_OPTIONS.filter((option) => option.statuses.some((status) => filters.status.includes(status))).map((option) => option.label);
    parts.push(`Status = ${labels.join(" or ")}`);
  }
  for (const key of TEXT_FILTERS) {
    const value = filters[key].trim();
    if (!value) continue;
    if (key === "showChecks") {
      parts.push(FILTER_LABELS[key]);
      continue;
    }
    parts.push(`${FILTER_LABELS[key]} ${key === "error" ? "contains" : "="} ${key === "from" || key === "to" ? new Date(value).toLocaleString() : value}`);
  }
  return parts.join(", ");
}
