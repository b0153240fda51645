import { TextInput } from "@contentstack/venus-components";
import type { ChangeEvent } from "react";

interface TextFieldProps {
  id: string;
  value: string;
  onChange?: (value: string) => void;
  /** Inline error message; also marks the input invalid and describes it. */
  error?: string;
  type?: "text" | "password" | "url" | "number";
  placeholder?: string;
  readOnly?: boolean;
  disabled?: boolean;
  /** Id of a `<datalist>` with suggestions. */
  list?: string;
  describedBy?: string;
  /** "new-password" keeps password managers from filling a saved login into a token field. */
  autoComplete?: "off" | "new-password";
  /** Put on the `<input>` itself (venus puts `testId` on its wrapper). */
  testId?: string;
}

export function errorId(id: string): string {
  return `${id}-error`;
}

/** venus `TextInput version="v2"` (typed `any`), controlled, reporting plain strings. */
export function TextField({
  id,
  value,
  onChange,
  error,
  type = "text",
  placeholder = "",
  readOnly = false,
  disabled = false,
  list,
  describedBy,
  autoComplete = "off",
  testId,
}: TextFieldProps) {
  const described = [error ? errorId(id) : undefined, describedBy].filter(Boolean).join(" ") || undefined;
  return (
    <TextInput
      version="v2"
      id={id}
      type={type}
      value={value}
      placeholder={placeholder}
      error={Boolean(error)}
      disabled={disabled}
      isReadOnly={readOnly}
      readOnly={readOnly}
      list={list}
      autoComplete={autoComplete}
      testId={testId ? `${testId}-field` : undefined}
      data-test-id={testId}
      aria-invalid={error ? true : undefined}
      aria-describedby={described}
      onChange={(event: ChangeEvent<HTMLInputElement>) => onChange?.(event.target.value)}
    />
  );
}
