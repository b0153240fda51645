import { Field, FieldLabel, ValidationMessage } from "@contentstack/venus-components";
import type { ReactNode } from "react";
import { capitalize } from "./format";
import { errorId } from "./TextField";

interface FormFieldProps {
  /** Id of the control the label names. */
  htmlFor: string;
  label: string;
  required?: boolean;
  /** Shown under the control; give it the id `helpId(htmlFor)` to reference it from the control. */
  help?: ReactNode;
  error?: string;
  children: ReactNode;
}

export function helpId(id: string): string {
  return `${id}-help`;
}

/** venus `Field` + `FieldLabel` (bound with htmlFor) + help text + `ValidationMessage`. */
export function FormField({ htmlFor, label, required = false, help, error, children }: FormFieldProps) {
  return (
    <Field className="form-field">
      <FieldLabel htmlFor={htmlFor} version="v2" required={required} error={Boolean(error)}>
        {label}
      </FieldLabel>
      {children}
      {help && (
        <div id={helpId(htmlFor)} className="form-field__help">
          {help}
        </div>
      )}
      {error && (
        <div id={errorId(htmlFor)}>
          <ValidationMessage version="v2" testId={errorId(htmlFor)}>
            {capitalize(error)}
          </ValidationMessage>
        </div>
      )}
    </Field>
  );
}
