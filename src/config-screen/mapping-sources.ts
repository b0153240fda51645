import type { Configuration } from "../shared/installation-config";

/**
 * Names the mapping rows a tester request came from. The server reports them in `sources`; whatever its exact
 * shape, the row ids inside it identify the rows.
 */
export function describeSources(sources: unknown, configuration: Configuration): string[] {
  const ids = new Set<string>();
  collectStrings(sources, ids);
  const labels: string[] = [];
  configuration.attributeMappings.forEach((row, index) => {
    if (ids.has(row.id)) labels.push(`Attribute mapping ${index + 1}: ${row.source} → ${row.attribute}`);
  });
  configuration.eventMappings.forEach((row, index) => {
    if (ids.has(row.id)) labels.push(`Event mapping ${index + 1}: ${row.source} "${row.segmentEvent}" → ${row.personalizeEvent}`);
  });
  return labels;
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === "string") into.add(value);
  else if (Array.isArray(value)) value.forEach((item) => collectStrings(item, into));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((item) => collectStrings(item, into));
}

/**
 * Replaces the server's internal row references (`row:<id>`, `default:<id>`) in a mapping note with the row's
 * name on this screen (`attribute mapping 3`), so no internal id reaches the admin.
 */
export function nameMappingRows(text: string, configuration: Configuration): string {
  return text.replace(/\b(row|default):([A-Za-z0-9_-]{1,64})/g, (_whole, kind: string, id: string) => {
    const suffix = kind === "default" ? "'s default value" : "";
    const attribute = configuration.attributeMappings.findIndex((row) => row.id === id);
    if (attribute >= 0) return `attribute mapping ${attribute + 1}${suffix}`;
    const event = configuration.eventMappings.findIndex((row) => row.id === id);
    if (event >= 0) return `event mapping ${event + 1}${suffix}`;
    return `a mapping row${suffix}`;
  });
}
