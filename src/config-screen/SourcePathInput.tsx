import { useState } from "react";
import { FormField } from "../ui/FormField";
import { SelectField, type SelectOption } from "../ui/SelectField";
import { TextField } from "../ui/TextField";
import { LIST_IDS, SOURCE_PREFIXES, splitSourcePath, type SourcePrefix } from "./suggestions";

type SourceMode = SourcePrefix | "custom";

const MODE_OPTIONS: SelectOption<SourceMode>[] = [
  ...SOURCE_PREFIXES.map((prefix) => ({ value: prefix, label: prefix })),
  { value: "custom", label: "Free path" },
];

interface SourcePathInputProps {
  /** Id of the text input; the prefix select gets `<id>-prefix`. */
  id: string;
  rowLabel: string;
  value: string;
  onChange: (path: string) => void;
  error?: string;
  testId: string;
}

/**
 * A source path as prefix select + key input (`traits.` + `plan`), or one free path input. The mode is the
 * row's own UI state: a free path may well start with a known prefix.
 */
export function SourcePathInput({ id, rowLabel, value, onChange, error, testId }: SourcePathInputProps) {
  const [mode, setMode] = useState<SourceMode>(() => splitSourcePath(value).prefix ?? "custom");
  const { key } = splitSourcePath(value);

  const changeMode = (next: SourceMode) => {
    setMode(next);
    if (next !== "custom") onChange(next + key);
  };

  return (
    <FormField htmlFor={id} label="Segment source path" required error={error}>
      <div className="source-path">
        <label htmlFor={`${id}-prefix`} className="visually-hidden">
          {`${rowLabel} source prefix`}
        </label>
        <SelectField
          id={`${id}-prefix`}
          options={MODE_OPTIONS}
          value={mode}
          onChange={changeMode}
          testId={`${testId}-prefix`}
        />
        <TextField
          id={id}
          value={mode === "custom" ? value : key}
          onChange={(text) => onChange(mode === "custom" ? text : mode + text)}
          error={error}
          placeholder={mode === "custom" ? "traits.plan" : "plan"}
          list={mode === "custom" ? LIST_IDS.traitPaths : LIST_IDS.traitKeys(mode)}
          testId={testId}
        />
      </div>
    </FormField>
  );
}
