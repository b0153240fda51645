import { errorMessage } from "../sdk/http";
import { ActionButton } from "./ActionButton";

export function LoadingText({ children }: { children: string }) {
  return (
    <p className="remote-state remote-state--loading" role="status">
      {children}
    </p>
  );
}

interface ErrorTextProps {
  error: unknown;
  /** What failed, e.g. "Could not load the Personalize catalog". */
  context: string;
  onRetry?: () => void;
  testId?: string;
}

export function ErrorText({ error, context, onRetry, testId }: ErrorTextProps) {
  return (
    <div className="remote-state remote-state--error" role="alert" data-test-id={testId}>
      <span>
        {context}: {errorMessage(error)}
      </span>
      {onRetry && (
        <ActionButton buttonType="tertiary" size="small" onClick={onRetry}>
          Retry
        </ActionButton>
      )}
    </div>
  );
}

export function EmptyText({ children }: { children: string }) {
  return <p className="remote-state remote-state--empty">{children}</p>;
}
