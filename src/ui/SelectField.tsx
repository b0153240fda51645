import { Select } from "@contentstack/venus-components";
import { useLayoutEffect, useRef } from "react";

export interface SelectOption<V extends string> {
  label: string;
  value: V;
}

interface SelectFieldProps<V extends string> {
  id: string;
  options: readonly SelectOption<V>[];
  value: V | null;
  onChange: (value: V) => void;
  error?: boolean;
  disabled?: boolean;
  placeholder?: string;
  testId?: string;
}

/** venus `Select` for a fixed list of string values; `onChange` gets the value, not venus' option object. */
export function SelectField<V extends string>({
  id,
  options,
  value,
  onChange,
  error = false,
  disabled = false,
  placeholder = "Select…",
  testId,
}: SelectFieldProps<V>) {
  const wrapper = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    // venus forwards no input id and hard-codes aria-label="cs-select-aria" on react-select's input, so a
    // <label htmlFor> would name nothing. React leaves these attributes alone afterwards: its props do not change.
    const input = wrapper.current?.querySelector("input");
    if (!input) return;
    input.id = id;
    input.removeAttribute("aria-label");
    if (error) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  });
  return (
    // aria-disabled tells assistive tech (and contrast checks, which exempt disabled controls) what react-select's
    // dimmed, disabled control is.
    <div ref={wrapper} className="select-field" aria-disabled={disabled || undefined}>
      <Select
        version="v2"
        width="100%"
        options={[...options]}
        value={options.find((option) => option.value === value) ?? null}
        onChange={(option: SelectOption<V> | null) => {
          if (option) onChange(option.value);
        }}
        isSearchable={false}
        isDisabled={disabled}
        error={error}
        placeholder={placeholder}
        testId={testId}
      />
    </div>
  );
}
