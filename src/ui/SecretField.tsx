import { useState, type ReactNode } from "react";
import { ActionButton } from "./ActionButton";
import { CopyButton } from "./CopyButton";
import { FormField, helpId } from "./FormField";
import { TextField } from "./TextField";

interface SecretFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  help?: ReactNode;
  required?: boolean;
  /** Offers a "Generate" button that replaces the value. */
  generate?: () => string;
  copyable?: boolean;
  testId: string;
}

/**
 * A password input for a secret, with a keyboard-reachable show/hide button (venus' own eye icon is a bare span)
 * and optional generate and copy buttons.
 */
export function SecretField({
  id,
  label,
  value,
  onChange,
  error,
  help,
  required,
  generate,
  copyable = false,
  testId,
}: SecretFieldProps) {
  const [visible, setVisible] = useState(false);
  return (
    <FormField htmlFor={id} label={label} help={help} error={error} required={required}>
      <div className="input-with-actions">
        <TextField
          id={id}
          type={visible ? "text" : "password"}
          value={value}
          onChange={onChange}
          error={error}
          autoComplete="new-password"
          describedBy={help ? helpId(id) : undefined}
          testId={testId}
        />
        <ActionButton
          buttonType="tertiary"
          label={`${visible ? "Hide" : "Show"} ${label}`}
          pressed={visible}
          testId={`${testId}-show`}
          onClick={() => setVisible(!visible)}
        >
          {visible ? "Hide" : "Show"}
        </ActionButton>
        {generate && (
          <ActionButton
            buttonType="tertiary"
            label={`Generate ${label}`}
            testId={`${testId}-generate`}
            onClick={() => onChange(generate())}
          >
            Generate
          </ActionButton>
        )}
        {copyable && <CopyButton text={value} what={label} testId={`${testId}-copy`} />}
      </div>
    </FormField>
  );
}
