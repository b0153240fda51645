import type { AttributeRequirement } from "../../src/shared/audiences";
import { coerceValue, showValue } from "./coerce";
import type { AttributeValue } from "./types";

export type Conformed = { ok: true; value: AttributeValue; note: string | null } | { ok: false; note: string };

const COERCIBLE = new Set(["string", "number", "boolean", "date"] as const);

function because(attribute: string, requirement: AttributeRequirement): string {
  const names = requirement.audiences.map((name) => JSON.stringify(name));
  const who = names.length === 1 ? `audience ${names[0]}` : `audiences ${names.join(", ")}`;
  return `${who} compare${names.length === 1 ? "s" : ""} ${attribute} as ${requirement.type === "date" ? "a date" : `a ${requirement.type}`}`;
}

/**
 * Coerces a value with no declared type to the type audience rules compare the attribute as ("500" → 500,
 * "true" → true, a date → ISO 8601): a value of another type would silently fail every such rule. A value that
 * cannot be coerced is dropped with a note naming the audiences. JSON and list rules take no scalar, so the value
 * is left as it is for the inspector to report.
 */
export function conformToAudiences(attribute: string, value: AttributeValue, requirement: AttributeRequirement | undefined): Conformed {
  if (!requirement || !COERCIBLE.has(requirement.type as "string")) return { ok: true, value, note: null };
  const coerced = coerceValue(value, requirement.type as "string" | "number" | "boolean" | "date");
  if (!coerced.ok) return { ok: false, note: `${coerced.problem}, but ${because(attribute, requirement)}, dropped` };
  if (coerced.value === value) return { ok: true, value, note: null };
  return { ok: true, value: coerced.value, note: `${showValue(value)} converted to ${showValue(coerced.value)}: ${because(attribute, requirement)}` };
}
