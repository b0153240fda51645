import type { UseQueryResult } from "@tanstack/react-query";
import { ActionButton } from "../ui/ActionButton";
import { formatCount } from "../ui/format";
import { EmptyText, ErrorText, LoadingText } from "../ui/RemoteState";
import type { ObservedKeys, PersonalizeCatalog } from "./api";

interface CatalogStatusProps {
  catalog: UseQueryResult<PersonalizeCatalog> & { unavailable: string | null };
  observed: UseQueryResult<ObservedKeys>;
}

/** Where the suggestions in the mapping inputs come from, and why a side has none. */
export function CatalogStatus({ catalog, observed }: CatalogStatusProps) {
  return (
    <div className="catalog-status" data-test-id="catalog-status">
      <div data-test-id="personalize-catalog-status">
        <PersonalizeStatus catalog={catalog} />
      </div>
      <div data-test-id="observed-status">
        <ObservedStatus observed={observed} />
      </div>
    </div>
  );
}

function PersonalizeStatus({ catalog }: Pick<CatalogStatusProps, "catalog">) {
  if (catalog.unavailable) return <EmptyText>{catalog.unavailable}</EmptyText>;
  if (catalog.isPending) return <LoadingText>Loading attributes, events and audiences from Personalize…</LoadingText>;
  if (catalog.isError) {
    return (
      <ErrorText context="Could not load the Personalize catalog" error={catalog.error} onRetry={() => void catalog.refetch()} />
    );
  }
  const { attributes, events, audiences } = catalog.data;
  return (
    <p className="remote-state">
      Personalize project: {formatCount(attributes.length, "attribute")}, {formatCount(events.length, "event")},{" "}
      {formatCount(audiences.length, "audience")}.{" "}
      <ActionButton
        buttonType="tertiary"
        label="Reload the Personalize catalog"
        isLoading={catalog.isFetching}
        onClick={() => void catalog.refetch()}
        testId="catalog-refresh"
      >
        Reload
      </ActionButton>
    </p>
  );
}

function ObservedStatus({ observed }: Pick<CatalogStatusProps, "observed">) {
  if (observed.isPending) return <LoadingText>Loading the keys seen in Segment traffic…</LoadingText>;
  if (observed.isError) {
    return (
      <ErrorText context="Could not load the keys seen in Segment traffic" error={observed.error} onRetry={() => void observed.refetch()} />
    );
  }
  const { traits, events } = observed.data;
  if (traits.length === 0 && events.length === 0) {
    return <EmptyText>No Segment traffic seen yet; suggestions from it appear once events arrive.</EmptyText>;
  }
  return (
    <p className="remote-state">
      Seen in this installation&apos;s Segment traffic: {formatCount(traits.length, "trait path")},{" "}
      {formatCount(events.length, "event name")}.
    </p>
  );
}
