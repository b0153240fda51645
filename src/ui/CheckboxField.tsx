import { Checkbox } from "@contentstack/venus-components";
import type { ChangeEvent } from "react";

interface CheckboxFieldProps {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  /** Put on the `<input>` itself. */
  testId?: string;
}

/** venus `Checkbox` (typed `any`); its wrapping `<label>` names the input. */
export function CheckboxField({ id, label, checked, onChange, disabled = false, testId }: CheckboxFieldProps) {
  return (
    <Checkbox
      id={id}
      label={label}
      checked={checked}
      disabled={disabled}
      testId={testId ? `${testId}-field` : undefined}
      data-test-id={testId}
      onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.checked)}
    />
  );
}
