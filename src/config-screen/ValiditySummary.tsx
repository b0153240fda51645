import type { InstallationValidation } from "./validation";

interface ValiditySummaryProps {
  validation: InstallationValidation;
  syncFailure: string | null;
}

export function ValiditySummary({ validation, syncFailure }: ValiditySummaryProps) {
  return (
    <>
      <div
        className={`banner ${validation.isValid ? "banner--ok" : "banner--warning"}`}
        aria-live="polite"
        data-test-id="validity-status"
        data-valid={validation.isValid}
      >
        {validation.isValid
          ? "The configuration is valid and can be saved."
          : `Contentstack will not save until this is fixed: ${validation.message}`}
      </div>
      {syncFailure && (
        <div className="banner banner--error" role="alert" data-test-id="sync-failure">
          Could not hand the configuration to Contentstack: {syncFailure}
        </div>
      )}
    </>
  );
}
