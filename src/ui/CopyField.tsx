import { CopyButton } from "./CopyButton";
import { FormField, helpId } from "./FormField";
import { TextField } from "./TextField";

interface CopyFieldProps {
  id: string;
  label: string;
  value: string;
  help?: string;
  testId?: string;
}

/** A read-only value the admin pastes elsewhere (Segment), with a copy button. */
export function CopyField({ id, label, value, help, testId }: CopyFieldProps) {
  return (
    <FormField htmlFor={id} label={label} help={help}>
      <div className="input-with-actions">
        <TextField id={id} value={value} readOnly testId={testId} describedBy={help ? helpId(id) : undefined} />
        <CopyButton text={value} what={label} testId={testId ? `${testId}-copy` : undefined} />
      </div>
    </FormField>
  );
}
