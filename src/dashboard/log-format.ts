/** How log values read on screen: status names and tones, directions, times, durations. */
import type { LogItem } from "./api";

export { DIRECTION_LABELS, STATUS_LABELS } from "../shared/log-counts";

export type Tone = "ok" | "warning" | "error" | "muted" | "info";

export const STATUS_TONES: Record<LogItem["status"], Tone> = {
  queued: "info",
  processing: "info",
  pending: "info",
  in_flight: "info",
  pending_retry: "warning",
  delivered: "ok",
  filtered: "muted",
  deduplicated: "muted",
  rejected: "error",
  failed: "error",
  dead_lettered: "error",
};

export const RETRYABLE = new Set<LogItem["status"]>(["failed", "dead_lettered"]);

const timeOfDay = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const dateAndTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });
const number = new Intl.NumberFormat("en");

/** 14:03:07.123 */
export function formatClock(epochMs: number): string {
  return `${timeOfDay.format(epochMs)}.${String(epochMs % 1000).padStart(3, "0")}`;
}

const dayAndTime = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** A row's time: the clock with milliseconds today, the date and clock on other days. */
export function formatRowTime(epochMs: number, now: number): string {
  return new Date(epochMs).toDateString() === new Date(now).toDateString() ? formatClock(epochMs) : dayAndTime.format(epochMs);
}

export function formatDateTime(epochMs: number): string {
  return dateAndTime.format(epochMs);
}

export function formatNumber(value: number): string {
  return number.format(value);
}

export function formatPercent(part: number, whole: number): string {
  return whole === 0 ? "–" : `${((part / whole) * 100).toFixed(part === whole || part === 0 ? 0 : 1)} %`;
}

export function formatMs(value: number | null): string {
  return value === null ? "–" : `${number.format(Math.round(value))} ms`;
}

export function eventLabel(row: Pick<LogItem, "eventType" | "eventName">): string {
  return [row.eventType, row.eventName].filter(Boolean).join(" · ") || "–";
}
