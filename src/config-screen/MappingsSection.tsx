import type { Configuration } from "../shared/installation-config";
import { FormField } from "../ui/FormField";
import { Section } from "../ui/Section";
import { SelectField, type SelectOption } from "../ui/SelectField";
import { usePersonalizeCatalog, useObservedKeys } from "./api";
import { AttributeMappings } from "./AttributeMappings";
import { CatalogStatus } from "./CatalogStatus";
import { EngageSettings } from "./EngageSettings";
import { EventMappings } from "./EventMappings";
import type { FormProps } from "./form";
import { IdentitySettings } from "./IdentitySettings";
import { useSegmentSuggestions } from "./segment-api";
import { SuggestionLists } from "./SuggestionLists";
import { countErrors } from "./validation";

type UnmappedTraits = Configuration["unmappedTraits"];

const UNMAPPED_OPTIONS: SelectOption<UnmappedTraits>[] = [
  { value: "drop", label: "Drop them" },
  { value: "passthrough", label: "Pass them through under their own names" },
];

export function MappingsSection(form: FormProps) {
  const { data, dispatch, validation } = form;
  const catalog = usePersonalizeCatalog(data);
  const observed = useObservedKeys();
  const segmentSuggestions = useSegmentSuggestions(data);
  const loadedCatalog = catalog.isSuccess ? catalog.data : undefined;
  const errorCount = ["attributeMappings", "eventMappings", "engage", "identity", "unmappedTraits"].reduce(
    (sum, key) => sum + countErrors(validation, "configuration", key),
    0,
  );

  return (
    <Section title="Mappings" errorCount={errorCount} testId="section-mappings">
      <CatalogStatus catalog={catalog} observed={observed} />
      <SuggestionLists catalog={loadedCatalog} observed={observed.data} segment={segmentSuggestions.data} />
      {segmentSuggestions.data?.problems.map((problem) => (
        <p key={problem.message} className="hint" data-test-id="segment-suggestions-problem">
          Segment suggestions: {problem.message}
          {problem.missingRole ? `; add the ${problem.missingRole} role to the token` : ""}
        </p>
      ))}
      <AttributeMappings {...form} catalog={loadedCatalog} />
      <FormField
        htmlFor="unmapped-traits"
        label="Traits without a mapping"
        help="What to do with identify traits that no attribute row maps."
      >
        <SelectField
          id="unmapped-traits"
          options={UNMAPPED_OPTIONS}
          value={data.configuration.unmappedTraits}
          onChange={(value) => dispatch({ type: "setUnmappedTraits", value })}
          testId="unmapped-traits-select"
        />
      </FormField>
      <EventMappings {...form} catalog={loadedCatalog} />
      <EngageSettings {...form} catalog={loadedCatalog} catalogUnavailable={catalog.unavailable} />
      <IdentitySettings {...form} />
    </Section>
  );
}
