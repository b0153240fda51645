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
