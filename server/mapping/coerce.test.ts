import { describe, expect, test } from "vitest";
import { coerceValue } from "./coerce";

describe("coerceValue", () => {
  test.each([
    // string
    ["string", "Ada", { ok: true, value: "Ada" }],
    ["string", 42.5, { ok: true, value: "42.5" }],
    ["string", false, { ok: true, value: "false" }],
    ["string", { a: 1 }, { ok: false, problem: "a nested object" }],
    // number
    ["number", 42, { ok: true, value: 42 }],
    ["number", " 12.5 ", { ok: true, value: 12.5 }],
    ["number", "-1e3", { ok: true, value: -1000 }],
    ["number", "0x10", { ok: false, problem: '"0x10" is not a number' }],
    ["number", "", { ok: false, problem: '"" is not a number' }],
    ["number", "abc", { ok: false, problem: '"abc" is not a number' }],
    ["number", true, { ok: false, problem: "true is not a number" }],
    ["number", Number.POSITIVE_INFINITY, { ok: false, problem: "a non-finite number" }],
    ["number", Number.NaN, { ok: false, problem: "a non-finite number" }],
    // boolean
    ["boolean", true, { ok: true, value: true }],
    ["boolean", "False", { ok: true, value: false }],
    ["boolean", "TRUE", { ok: true, value: true }],
    ["boolean", 1, { ok: true, value: true }],
    ["boolean", 0, { ok: true, value: false }],
    ["boolean", 2, { ok: false, problem: "2 is not a boolean" }],
    ["boolean", "yes", { ok: false, problem: '"yes" is not a boolean' }],
    ["boolean", "1", { ok: false, problem: '"1" is not a boolean' }],
    // date
    ["date", "2024-03-01T10:00:00+02:00", { ok: true, value: "2024-03-01T08:00:00.000Z" }],
    ["date", "2024-03-01", { ok: true, value: "2024-03-01T00:00:00.000Z" }],
    ["date", 1714989022829, { ok: true, value: "2024-05-06T09:50:22.829Z" }],
    ["date", "soon", { ok: false, problem: '"soon" is not a date' }],
    ["date", 9e15, { ok: false, problem: "9000000000000000 is not a date" }],
    ["date", true, { ok: false, problem: "true is not a date" }],
    // auto
    ["auto", "true", { ok: true, value: "true" }],
    ["auto", 3, { ok: true, value: 3 }],
    ["auto", false, { ok: true, value: false }],
    ["auto", "", { ok: true, value: "" }],
    ["auto", null, { ok: false, problem: "null" }],
    ["auto", ["a"], { ok: false, problem: "an array" }],
    ["auto", { nested: true }, { ok: false, problem: "a nested object" }],
  ] as const)("%s ← %j", (type, value, expected) => {
    expect(coerceValue(value, type)).toEqual(expected);
  });

  test("long strings are shortened in problems", () => {
    expect(coerceValue("x".repeat(100), "number")).toEqual({
      ok: false,
      problem: `"${"x".repeat(60)}…" is not a number`,
    });
  });
});
