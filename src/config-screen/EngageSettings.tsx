import type { Configuration } from "../shared/installation-config";
import { FormField, helpId } from "../ui/FormField";
import { EmptyText } from "../ui/RemoteState";
import { TextField } from "../ui/TextField";
import { ToggleField } from "../ui/ToggleField";
import type { PersonalizeCatalog } from "./api";
import { EngageFeeds } from "./AudienceTypes";
import type { FormProps } from "./form";
import { sectionAnchorId } from "./sections";
import { fieldError } from "./validation";

const SAMPLE_AUDIENCE = "first_time_shopper";

interface EngageSettingsProps extends FormProps {
  catalog: PersonalizeCatalog | undefined;
  catalogUnavailable: string | null;
}

export function EngageSettings({ data, dispatch, validation, catalog, catalogUnavailable }: EngageSettingsProps) {
  const audiences = catalog?.audiences;
  const { engage } = data.configuration;
  const update = (patch: Partial<Configuration["engage"]>) => dispatch({ type: "updateSection", section: "engage", patch });
  const prefixError = fieldError(validation, "configuration", "engage", "attributePrefix");
  const prefix = engage.attributePrefix.trim();

  return (
    <section id={sectionAnchorId("engage")} tabIndex={-1} className="subsection" aria-labelledby="engage-title">
      <h3 id="engage-title">Engage audiences and computed traits</h3>
      <div className="toggle-row">
        <ToggleField
          id="engage-audiences"
          label="Sync audiences"
          checked={engage.audiences}
          onChange={(audiences) => update({ audiences })}
          testId="engage-audiences"
        />
        <ToggleField
          id="engage-computed-traits"
          label="Sync computed traits"
          checked={engage.computedTraits}
          onChange={(computedTraits) => update({ computedTraits })}
          testId="engage-computed-traits"
        />
      </div>
      <FormField
        htmlFor="engage-prefix"
        label="Attribute prefix"
        error={prefixError}
        help="Put before every audience and computed-trait key, e.g. engage_."
      >
        <TextField
          id="engage-prefix"
          value={engage.attributePrefix}
          onChange={(attributePrefix) => update({ attributePrefix })}
          error={prefixError}
          describedBy={helpId("engage-prefix")}
          testId="engage-prefix-input"
        />
      </FormField>
      <p className="preview" aria-live="polite" data-test-id="engage-preview">
        A sample audience <code>{SAMPLE_AUDIENCE}</code> entering → attribute{" "}
        <code>
          {prefix}
          {SAMPLE_AUDIENCE}
        </code>{" "}
        = <code>true</code>
      </p>
      <div data-test-id="personalize-audiences">
        {audiences === undefined ? (
          catalogUnavailable && <EmptyText>{catalogUnavailable}</EmptyText>
        ) : audiences.length === 0 ? (
          <EmptyText>The Personalize project has no audiences yet.</EmptyText>
        ) : (
          <p className="remote-state">
            Audiences in the Personalize project: {audiences.map((audience) => audience.name).join(", ")}.
          </p>
        )}
      </div>
      <EngageFeeds prefix={prefix} catalog={catalog} data={data} />
    </section>
  );
}
