/** The config screen's parts, in page order: the in-page navigation and the problem messages name them alike. */
export const CONFIG_SECTIONS = [
  { id: "personalize", title: "Personalize" },
  { id: "segment", title: "Segment" },
  { id: "attribute-mappings", title: "Attribute mappings" },
  { id: "event-mappings", title: "Event mappings" },
  { id: "engage", title: "Engage" },
  { id: "identity", title: "Identity" },
  { id: "event-tester", title: "Event tester" },
  { id: "retention", title: "Retention" },
  { id: "alerts", title: "Alerts" },
] as const;

export type ConfigSectionId = (typeof CONFIG_SECTIONS)[number]["id"];

/** The DOM id of a section's anchor, the element the navigation scrolls to. */
export function sectionAnchorId(section: ConfigSectionId): string {
  return `config-section-${section}`;
}

export function sectionTitle(section: ConfigSectionId): string {
  return CONFIG_SECTIONS.find((candidate) => candidate.id === section)!.title;
}
