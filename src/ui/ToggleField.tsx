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

/** venus `ToggleSwitch`; it names its input by `name` (as aria-label), so the label doubles as the name. */
export function ToggleField({ id, label, checked, onChange, testId }: ToggleFieldProps) {
  const input = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    // ToggleSwitch puts `testId` on its wrapper only; tests need the checkbox itself.
    if (testId) input.current?.setAttribute("data-test-id", testId);
  }, [testId]);
  return (
    <ToggleSwitch
      id={id}
      name={label}
      label={label}
      checked={checked}
      inputRef={input}
      testId={testId ? `${testId}-field` : undefined}
      onChange={(event: ChangeEvent<HTMLInputElement>) => onChange(event.target.checked)}
    />
  );
}
