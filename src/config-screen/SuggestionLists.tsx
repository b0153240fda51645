import { EVENT_SOURCES } from "../shared/installation-config";
import type { SegmentSuggestions } from "../shared/segment-connect";
import type { ObservedKeys, PersonalizeCatalog } from "./api";
import {
  LIST_IDS,
  SOURCE_PREFIXES,
  attributeKeySuggestions,
  eventKeySuggestions,
  mergeSuggestions,
  observedEventSuggestions,
  observedTraitSuggestions,
  segmentEventSuggestions,
  segmentTraitSuggestions,
  type Suggestion,
} from "./suggestions";

interface SuggestionListsProps {
  catalog: PersonalizeCatalog | undefined;
  observed: ObservedKeys | undefined;
  /** Tracking-plan and Unify names, so rows can be mapped before the first event. */
  segment?: SegmentSuggestions;
}

/** The `<datalist>`s behind the mapping inputs: browser-native, keyboard-accessible autocomplete. */
export function SuggestionLists({ catalog, observed, segment }: SuggestionListsProps) {
  return (
    <>
      <DataList id={LIST_IDS.attributeKeys} suggestions={attributeKeySuggestions(catalog)} />
      <DataList id={LIST_IDS.eventKeys} suggestions={eventKeySuggestions(catalog)} />
      <DataList id={LIST_IDS.traitPaths} suggestions={mergeSuggestions(observedTraitSuggestions(observed, null), segmentTraitSuggestions(segment, null))} />
      {SOURCE_PREFIXES.map((prefix) => (
        <DataList key={prefix} id={LIST_IDS.traitKeys(prefix)} suggestions={mergeSuggestions(observedTraitSuggestions(observed, prefix), segmentTraitSuggestions(segment, prefix))} />
      ))}
      {EVENT_SOURCES.map((source) => (
        <DataList key={source} id={LIST_IDS.eventNames(source)} suggestions={mergeSuggestions(observedEventSuggestions(observed, source), segmentEventSuggestions(segment, source))} />
      ))}
    </>
  );
}

function DataList({ id, suggestions }: { id: string; suggestions: Suggestion[] }) {
  return (
    <datalist id={id}>
      {suggestions.map((suggestion) => (
        <option key={suggestion.value} value={suggestion.value} label={suggestion.label} />
      ))}
    </datalist>
  );
}
