import type { AttributeType } from "../../src/shared/installation-config";
import type { AttributeValue } from "./types";

export type Coercion = { ok: true; value: AttributeValue } | { ok: false; problem: string };

const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Converts one Segment value to what a Personalize attribute of `type` may hold (personalize-api.md §8). */
export function coerceValue(value: unknown, type: AttributeType): Coercion {
  const notScalar = describeNonScalar(value);
  if (notScalar) return { ok: false, problem: notScalar };
  const scalar = value as AttributeValue;
  switch (type) {
    case "auto":
      return { ok: true, value: scalar };
    case "string":
      return { ok: true, value: String(scalar) };
    case "number":
      return toNumber(scalar);
    case "boolean":
      return toBoolean(scalar);
    case "date":
      return toDate(scalar);
  }
}

/** Why `value` is not a string, finite number or boolean; null when it is one. */
export function describeNonScalar(value: unknown): string | null {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "a nested object";
  if (typeof value === "number" && !Number.isFinite(value)) return "a non-finite number";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return null;
  return `an unsupported ${typeof value}`;
}

export function showValue(value: AttributeValue): string {
  if (typeof value !== "string") return String(value);
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function toNumber(value: AttributeValue): Coercion {
  if (typeof value === "number") return { ok: true, value };
  if (typeof value === "string" && DECIMAL_NUMBER.test(value.trim())) {
    const parsed = Number(value.trim());
    if (Number.isFinite(parsed)) return { ok: true, value: parsed };
  }
  return { ok: false, problem: `${showValue(value)} is not a number` };
}

function toBoolean(value: AttributeValue): Coercion {
  if (typeof value === "boolean") return { ok: true, value };
  if (typeof value === "string") {
    const lower = value.toLowerCase();
    if (lower === "true" || lower === "false") return { ok: true, value: lower === "true" };
  }
  if (value === 1 || value === 0) return { ok: true, value: value === 1 };
  return { ok: false, problem: `${showValue(value)} is not a boolean` };
}

function toDate(value: AttributeValue): Coercion {
  const epochMs = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : NaN;
  const date = new Date(epochMs);
  if (Number.isNaN(date.getTime())) return { ok: false, problem: `${showValue(value)} is not a date` };
  return { ok: true, value: date.toISOString() };
}
