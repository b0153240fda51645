import type { Configuration } from "../shared/installation-config";
import { FormField } from "../ui/FormField";
import { Section } from "../ui/Section";
import { TextField } from "../ui/TextField";
import type { FormProps } from "./form";
import { sectionAnchorId } from "./sections";
import { countErrors, fieldError } from "./validation";

type Retention = Configuration["retention"];

/** An empty input becomes NaN, which the schema reports; it is never silently replaced by a default. */
function toNumber(text: string): number {
  return text.trim() === "" ? Number.NaN : Number(text);
}

function toText(value: number): string {
  return Number.isFinite(value) ? String(value) : "";
}

export function RetentionSection({ data, dispatch, validation }: FormProps) {
  const { retention } = data.configuration;
  const update = (patch: Partial<Retention>) => dispatch({ type: "updateSection", section: "retention", patch });
  const error = (key: keyof Retention) => fieldError(validation, "configuration", "retention", key);
  return (
    <Section title="Sync log retention" errorCount={countErrors(validation, "configuration", "retention")} testId="section-retention" anchorId={sectionAnchorId("retention")}>
      <div className="field-grid">
        <FormField htmlFor="retention-days" label="Keep entries for (days)" error={error("days")}>
          <TextField
            id="retention-days"
            type="number"
            value={toText(retention.days)}
            onChange={(text) => update({ days: toNumber(text) })}
            error={error("days")}
            testId="retention-days-input"
          />
        </FormField>
        <FormField htmlFor="retention-max-rows" label="Keep at most (entries)" error={error("maxRows")}>
          <TextField
            id="retention-max-rows"
            type="number"
            value={toText(retention.maxRows)}
            onChange={(text) => update({ maxRows: toNumber(text) })}
            error={error("maxRows")}
            testId="retention-max-rows-input"
          />
        </FormField>
      </div>
    </Section>
  );
}
