import type { InstallationData } from "../shared/installation-config";
import { ActionButton } from "../ui/ActionButton";
import { ErrorText } from "../ui/RemoteState";
import { useCreateInPersonalize } from "./api";

interface MissingInPersonalizeProps {
  kind: "attribute" | "event";
  itemKey: string;
  data: InstallationData;
  testId: string;
}

/** Personalize keys are opaque, but lowercase letters, digits and _ are the safe subset (personalize-api.md §8). */
const SAFE_KEY = /^[a-z0-9_]+$/;

/** Flags a mapped key the loaded catalog lacks, with a one-click create; the catalog refetch clears the flag. */
export function MissingInPersonalize({ kind, itemKey, data, testId }: MissingInPersonalizeProps) {
  const create = useCreateInPersonalize(data);
  return (
    <div className="missing-flag" data-test-id={`${testId}-missing`}>
      <span className="missing-flag__label">Not in Personalize</span>
      {create.isSuccess ? (
        <span role="status">Created; refreshing the list…</span>
      ) : (
        <ActionButton
          buttonType="tertiary"
          label={`Create ${kind} ${itemKey} in Personalize`}
          isLoading={create.isPending}
          onClick={() => create.mutate({ kind, key: itemKey, name: itemKey })}
          testId={`${testId}-create`}
        >
          Create in Personalize
        </ActionButton>
      )}
      {!SAFE_KEY.test(itemKey) && (
        <span className="hint">Keys of lowercase letters, digits and _ are the safest choice.</span>
      )}
      {create.isError && <ErrorText context={`Could not create the ${kind}`} error={create.error} />}
    </div>
  );
}
