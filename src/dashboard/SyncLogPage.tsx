/**
 * The Full Page location: the live sync log. Filters and the open row live in the URL, so a reload or a shared
 * link shows the same view; new rows stream in without moving what is being read.
 */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorText } from "../ui/RemoteState";
import { CopyButton } from "../ui/CopyButton";
import { AlertsPanel } from "./AlertsPanel";
import { BulkRetry } from "./BulkRetry";
import { ExportButtons } from "./ExportButtons";
import { FilterBar } from "./FilterBar";
import { LiveControls } from "./LiveControls";
import { LogDrawer } from "./LogDrawer";
import { filterQuery, filtersFromSearch, withFilters, type LogFilters } from "./log-filters";
import { formatNumber } from "./log-format";
import { LogTable } from "./LogTable";
import { RetentionNote } from "./RetentionNote";
import { SegmentFunnel } from "./SegmentFunnel";
import { SummaryPanel } from "./SummaryPanel";
import { useLiveLog } from "./useLiveLog";
import "./sync-log.css";

const TABLE_HEIGHT = 560;

/** The page's own address with the view (filters, time range, open row) and without the one-time app-token. */
function viewLink(search: URLSearchParams): string {
  const params = new URLSearchParams(search);
  params.delete("app-token");
  return `${window.location.origin}${window.location.pathname}${params.size ? `?${params}` : ""}`;
}

export function SyncLogPage() {
  const [search, setSearch] = useSearchParams();
  // Keyed by the filter parameters alone, so opening a row does not count as a filter change.
  const filterKey = filterQuery(filtersFromSearch(search));
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(filterKey)), [filterKey]);
  const rowParam = Number(search.get("row"));
  const selectedId = Number.isInteger(rowParam) && rowParam > 0 ? rowParam : null;
  const { rows, pages, status, paused, setPaused, waiting } = useLiveLog(filters);

  const updateSearch = useCallback(
    (change: (params: URLSearchParams) => URLSearchParams) => setSearch((current) => change(new URLSearchParams(current)), { replace: true }),
    [setSearch],
  );
  const setFilters = useCallback((next: LogFilters) => updateSearch((params) => withFilters(params, next)), [updateSearch]);
  const openRow = useCallback(
    (id: number) =>
      updateSearch((params) => {
        params.set("row", String(id));
        return params;
      }),
    [updateSearch],
  );
  const closeRow = useCallback(
    () =>
      updateSearch((params) => {
        params.delete("row");
        return params;
      }),
    [updateSearch],
  );
  const filterUser = useCallback((userId: string) => setFilters({ ...filters, userId }), [filters, setFilters]);

  return (
    <main className="page sync-log" data-test-id="sync-log-page">
      <header className="sync-log__header">
        <h1>Segment sync log</h1>
        <div className="sync-log__actions">
          <LiveControls status={status} paused={paused} waiting={waiting} onPausedChange={setPaused} />
          <CopyButton text={viewLink(search)} what="link to this view" label="Copy link" testId="copy-view-link" />
          <BulkRetry filters={filters} />
          <ExportButtons filters={filters} />
        </div>
      </header>
      <FilterBar filters={filters} onChange={setFilters} />
      <AlertsPanel />
      <SummaryPanel filters={filters} onOpen={openRow} onFilterError={(error) => setFilters({ ...filters, error })} />
      <SegmentFunnel period={{ from: filters.from, to: filters.to }} onShowRows={(patch) => setFilters({ ...filters, ...patch })} />
      <section className="sync-log__rows" aria-label="Log rows">
        {pages.isError && <ErrorText context="Could not load the log" error={pages.error} onRetry={() => void pages.refetch()} testId="log-error" />}
        <div className="sync-log__rows-header">
          <p className="hint" data-test-id="log-count" data-count={rows.length}>
            {formatNumber(rows.length)} row{rows.length === 1 ? "" : "s"} shown, newest first
            {pages.hasNextPage ? "; scroll down for older rows" : ""}
          </p>
          <RetentionNote />
        </div>
        <LogTable
          rows={rows}
          hasMore={pages.hasNextPage}
          loadingFirstPage={pages.isPending}
          loadingMore={pages.isFetchingNextPage}
          onLoadMore={() => void pages.fetchNextPage()}
          selectedId={selectedId}
          onOpen={openRow}
          height={TABLE_HEIGHT}
        />
      </section>
      {selectedId !== null && <LogDrawer id={selectedId} onClose={closeRow} onOpen={openRow} onFilterUser={filterUser} />}
    </main>
  );
}
