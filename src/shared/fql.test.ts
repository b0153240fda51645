import { describe, expect, it } from "vitest";
import { fqlProblem } from "./fql";

describe("fqlProblem", () => {
  it.each([
    "properties.total > 100",
    'event = "Order Completed" and properties.total > 100',
    '(event = "A" or event = "B") and properties.total >= 10.5',
    "properties.tags != null",
    'contains(properties.name, "x")',
    'match(properties.name, "a*")',
    '  properties.plan   =  "pro" ',
  ])("accepts %s, which Segment reads as typed", (condition) => {
    expect(fqlProblem(condition)).toBeNull();
  });

  it.each([
    ["properties.position == ", 'properties.position = "="'],
    ["properties.position = ", 'properties.position = "eos"'],
    ["properties.total > 100 and", "properties.total > 100"],
    ["!(properties.a = 1)", "properties.a = 1"],
    ["properties.a = 'x'", `properties.a = "'x'"`],
  ])("refuses %s, which Segment would read as %s", (condition, reading) => {
    expect(fqlProblem(condition)).toBe(`Segment would read this as ${reading}, which is not what was typed; check the operator and the value`);
  });

  it.each(["foo bar", "properties.a<5", "event = = ("])("refuses %s, which Segment cannot parse", (condition) => {
    expect(fqlProblem(condition)).toBe("Segment cannot read this condition; write it like properties.total > 100");
  });
});
