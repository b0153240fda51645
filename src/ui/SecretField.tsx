import { useState, type ReactNode } from "react";
import { maskSecret } from "../shared/installation-config";
import { ActionButton } from "./ActionButton";
import { confirmAction } from "./confirm";
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
  /** Offers a "Generate" button that replaces the value, after a confirmation when there is one. */
  generate?: () => string;
  /** What Contentstack holds for this secret: replacing it breaks whatever uses it, so that is said plainly. */
  savedValue?: string;
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
  savedValue = "",
  copyable = false,
  testId,
}: SecretFieldProps) {
  const [visible, setVisible] = useState(false);
  const replaceWithGenerated = async (next: () => string) => {
    if (value && !(await confirmAction(replaceConfirmation(label, value, savedValue, testId)))) return;
    onChange(next());
  };
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
            onClick={() => void replaceWithGenerated(generate)}
          >
            Generate
          </ActionButton>
        )}
        {copyable && <CopyButton text={value} what={label} testId={`${testId}-copy`} />}
      </div>
    </FormField>
  );
}

function replaceConfirmation(label: string, value: string, savedValue: string, testId: string) {
  const live = value === savedValue;
  const name = label.replace(/\s*\(optional\)$/i, "").toLowerCase();
  return {
    title: live ? `Replace the saved ${name}?` : `Replace the ${name} you entered?`,
    body: live ? (
      <p>
        The saved {name} <code>{maskSecret(value)}</code> is in use. Once you save, requests that use it are
        refused until the new one is set where they come from (your Segment destination or source).
      </p>
    ) : (
      <p>The {name} in the field has not been saved yet; a new one replaces it.</p>
    ),
    confirmLabel: `Replace ${name}`,
    testId: `${testId}-replace`,
  };
}
