import { revealElement } from "./reveal";
import type { InstallationValidation } from "./validation";

interface ValiditySummaryProps {
  validation: InstallationValidation;
  syncFailure: string | null;
  /** Called with the element "Go to" brought into view, so its message shows there too. */
  onReveal: (elementId: string) => void;
}

export function ValiditySummary({ validation, syncFailure, onReveal }: ValiditySummaryProps) {
  const { firstProblem } = validation;
  return (
    <>
      <div
        className={`banner ${validation.isValid ? "banner--ok" : "banner--warning"}`}
        aria-live="polite"
        data-test-id="validity-status"
        data-valid={validation.isValid}
      >
        {validation.isValid ? (
          "The configuration is valid and can be saved."
        ) : (
          <>
            <span>Contentstack will not save until this is fixed: {validation.message}</span>
            {firstProblem && (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  onReveal(firstProblem.elementId);
                  revealElement(firstProblem.elementId, { block: "center" });
                }}
                data-test-id="validity-go-to-field"
              >
                Go to {firstProblem.field}
              </button>
            )}
          </>
        )}
      </div>
      {syncFailure && (
        <div className="banner banner--error" role="alert" data-test-id="sync-failure">
          Could not hand the configuration to Contentstack: {syncFailure}
        </div>
      )}
    </>
  );
}
