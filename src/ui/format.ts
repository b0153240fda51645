const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const number = new Intl.NumberFormat("en");

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];

/** "3 minutes ago" for an ISO-8601 string or epoch milliseconds; the raw value when it is not a date. */
export function formatWhen(value: string | number, now: number = Date.now()): string {
  const time = new Date(value).getTime();
  if (!Number.isFinite(time)) return String(value);
  const diff = time - now;
  const [unit, ms] = UNITS.find(([, size]) => Math.abs(diff) >= size) ?? UNITS[UNITS.length - 1];
  return relative.format(Math.round(diff / ms), unit);
}

export function formatCount(count: number, noun: string): string {
  return `${number.format(count)} ${noun}${count === 1 ? "" : "s"}`;
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** `choose a trait` → `Choose a trait`. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
