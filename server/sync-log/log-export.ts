/**
 * Export of every row a filter matches, newest first, streamed page by page so that memory stays flat: CSV with
 * the list columns in the UI's words (RFC 4180 quoting; text cells that a spreadsheet would run as a formula are prefixed with `'`),
 * or a JSON array of whole rows with secrets masked, each with the UI's words for its direction and status beside the stored names.
 */
import { Readable } from "node:stream";
import { DIRECTION_LABELS, STATUS_LABELS } from "../../src/shared/log-counts.ts";
import type { LogQuery, Store } from "../store/types.ts";
import type { LogFilter } from "./log-filter.ts";
import { toLogEntry, toLogItem, type LogItem } from "./log-view.ts";

export type ExportFormat = "csv" | "json";

const PAGE = 500;

/** The list's column names and the UI's words for directions and statuses, so an export reads like the screen. */
const CSV_COLUMNS: Array<[header: string, value: (item: LogItem) => string | number | null]> = [
  ["ID", (item) => item.id],
  ["Time", (item) => new Date(item.createdAt).toISOString()],
  ["Direction", (item) => DIRECTION_LABELS[item.direction]],
  ["Status", (item) => STATUS_LABELS[item.status]],
  ["User", (item) => item.userId],
  ["Event type", (item) => item.eventType],
  ["Event name", (item) => item.eventName],
  ["HTTP", (item) => item.httpStatus],
  ["Latency (ms)", (item) => item.latencyMs],
  ["Attempt", (item) => item.attempt],
  ["Error", (item) => item.error],
  ["Message ID", (item) => item.messageId],
  ["Updated", (item) => new Date(item.updatedAt).toISOString()],
];

export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function* pages(store: Store, query: Omit<LogQuery, "limit" | "beforeId">) {
  let beforeId: number | undefined;
  for (;;) {
    const rows = await store.queryLog({ ...query, beforeId, limit: PAGE });
    if (rows.length) yield rows;
    if (rows.length < PAGE) return;
    beforeId = rows[rows.length - 1].id;
  }
}

async function* csvLines(store: Store, query: Omit<LogQuery, "limit" | "beforeId">) {
  yield `${CSV_COLUMNS.map(([header]) => header).join(",")}\r\n`;
  for await (const rows of pages(store, query)) {
    yield rows.map((row) => `${CSV_COLUMNS.map(([, value]) => csvCell(value(toLogItem(row)))).join(",")}\r\n`).join("");
  }
}

async function* jsonChunks(store: Store, query: Omit<LogQuery, "limit" | "beforeId">) {
  yield "[";
  let first = true;
  for await (const rows of pages(store, query)) {
    yield rows.map((row) => {
      const entry = toLogEntry(row);
      // Stored names for programs, and the screen's words beside them for people.
      const labelled = { ...entry, directionLabel: DIRECTION_LABELS[entry.direction], statusLabel: STATUS_LABELS[entry.status] };
      const chunk = `${first ? "\n" : ",\n"}${JSON.stringify(labelled)}`;
      first = false;
      return chunk;
    }).join("");
  }
  yield "\n]\n";
}

export function exportLog(store: Store, installationUid: string, filter: LogFilter, format: ExportFormat): Readable {
  const query = { ...filter, installationUid };
  return Readable.from(format === "csv" ? csvLines(store, query) : jsonChunks(store, query));
}
