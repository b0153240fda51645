import { ToggleSwitch } from "@contentstack/venus-components";
import { useLayoutEffect, useRef, type ChangeEvent } from "react";

interface ToggleFieldProps {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** Put on the `<input>` itself. */
  testId?: string;
}

/**
 * venus `ToggleSwitch` with a `<label for>` of our own: venus draws its `label` prop as a plain div outside its
 * `<label>`, so clicking the words did nothing. Its `name` becomes the input's aria-label, hence the same text.
 */
export function ToggleField({ id, label, checked, onChange, testId }: ToggleFieldProps) {
  const input = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    // ToggleSwitch puts `testId` on its wrapper only; tests need the checkbox itself.
    if (testId) input.current?.setAttribute("data-test-id", testId);
  }, [testId]);
  return (
    <span className="toggle-field">
      <ToggleSwitch
        id={id}
        name={label}
        checked={checked}
        inputRef={input}
        testId={testId ? `${testId}-field` : undefined}
        onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.checked)}
      />
      <label htmlFor={id} className="toggle-field__label">
        {label}
      </label>
    </span>
  );
}
