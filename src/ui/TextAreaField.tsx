import { Textarea } from "@contentstack/venus-components";
import type { ChangeEvent } from "react";
import { errorId } from "./TextField";

interface TextAreaFieldProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  rows?: number;
  placeholder?: string;
  className?: string;
  /** Put on the `<textarea>` itself. */
  testId?: string;
}

/** venus `Textarea version="v2"` (typed `any`), controlled, reporting plain strings. */
export function TextAreaField({
  id,
  value,
  onChange,
  error,
  rows = 10,
  placeholder = "",
  className,
  testId,
}: TextAreaFieldProps) {
  return (
    <Textarea
      version="v2"
      id={id}
      className={className}
      value={value}
      rows={rows}
      placeholder={placeholder}
      error={Boolean(error)}
      spellCheck={false}
      testId={testId ? `${testId}-field` : undefined}
      data-test-id={testId}
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? errorId(id) : undefined}
      onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onChange(event.target.value)}
    />
  );
}
