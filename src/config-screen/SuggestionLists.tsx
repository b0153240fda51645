import { EVENT_SOURCES } from "../shared/installation-config";
import type { ObservedKeys, PersonalizeCatalog } from "./api";
import {
  LIST_IDS,
  SOURCE_PREFIXES,
  attributeKeySuggestions,
  eventKeySuggestions,
  observedEventSuggestions,
  observedTraitSuggestions,
  type Suggestion,
} from "./suggestions";

interface SuggestionListsProps {
  catalog: PersonalizeCatalog | undefined;
  observed: ObservedKeys | undefined;
}

/** The `<datalist>`s behind the mapping inputs: browser-native, keyboard-accessible autocomplete. */
export function SuggestionLists({ catalog, observed }: SuggestionListsProps) {
  return (
    <>
      <DataList id={LIST_IDS.attributeKeys} suggestions={attributeKeySuggestions(catalog)} />
      <DataList id={LIST_IDS.eventKeys} suggestions={eventKeySuggestions(catalog)} />
      <DataList id={LIST_IDS.traitPaths} suggestions={observedTraitSuggestions(observed, null)} />
      {SOURCE_PREFIXES.map((prefix) => (
        <DataList key={prefix} id={LIST_IDS.traitKeys(prefix)} suggestions={observedTraitSuggestions(observed, prefix)} />
      ))}
      {EVENT_SOURCES.map((source) => (
        <DataList key={source} id={LIST_IDS.eventNames(source)} suggestions={observedEventSuggestions(observed, source)} />
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
