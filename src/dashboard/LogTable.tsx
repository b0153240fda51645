/**
 * The log as venus' InfiniteScrollTable (react-window inside): one fixed-height row per log row, a placeholder row
 * at the end that loads the next page when it scrolls into view. When live rows are inserted above the rows on
 * screen, the list scrolls by their height so the rows being read stay put; at the very top new rows simply appear.
 */
import { InfiniteScrollTable } from "@contentstack/venus-components";
import { Link } from "react-router-dom";
import { userViewSearch } from "../user-inspector/UserLink";
import { useLayoutEffect, useMemo, useRef, type MouseEvent, type ReactNode } from "react";
import type { LogItem } from "./api";
import { rowsInsertedAbove } from "./live-rows";
import { DIRECTION_LABELS, eventLabel, formatDateTime, formatMs, formatRowTime } from "./log-format";
import { StatusTag } from "./StatusTag";

const ROW_HEIGHT = 48;

interface LogTableProps {
  rows: LogItem[];
  hasMore: boolean;
  loadingFirstPage: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  selectedId: number | null;
  onOpen: (id: number) => void;
  height: number;
}

/** What react-window's FixedSizeList exposes on its ref. */
interface ListHandle {
  state: { scrollOffset: number };
  scrollTo(offset: number): void;
}

type TableRow = LogItem & { key: string };
interface CellProps {
  row: { original: TableRow };
}

/** `width` is in multiples of venus' 140 px base column. */
const column = (Header: string, id: keyof LogItem, width: number, render: (row: TableRow) => ReactNode) => ({
  Header,
  id,
  accessor: id,
  columnWidthMultiplier: width,
  disableSortBy: true,
  Cell: (props: CellProps) => render(props.row.original),
});

function columns(open: (id: number) => void) {
  const openRow = (id: number) => (event: MouseEvent) => {
    event.stopPropagation();
    open(id);
  };
  return [
    column("Time", "createdAt", 0.8, (row) => {
      const shown = formatRowTime(row.createdAt, Date.now());
      return (
        <button
          type="button"
          className="link-button log-table__nowrap"
          title={formatDateTime(row.createdAt)}
          onClick={openRow(row.id)}
          data-test-id="log-row-open"
          data-row-id={row.id}
          // The accessible name starts with the visible text, so voice control finds the button by what it shows.
          aria-label={`${shown}, open details of row ${row.id}`}
        >
          {shown}
        </button>
      );
    }),
    column("Direction", "direction", 0.7, (row) => <span className="log-table__wrap">{DIRECTION_LABELS[row.direction]}</span>),
    column("User", "userId", 0.75, (row) => (
      <code className="log-table__wrap" data-test-id="log-row-user" data-row-id={row.id}>
        {row.userId ? (
          <Link to={{ search: userViewSearch(row.userId) }} title={`Inspect ${row.userId}`} onClick={(event) => event.stopPropagation()}>
            {row.userId}
          </Link>
        ) : (
          "–"
        )}
      </code>
    )),
    column("Event", "eventName", 0.9, (row) => (
      <span className="log-table__wrap" data-test-id="log-row-event" data-row-id={row.id}>
        {eventLabel(row)}
      </span>
    )),
    column("Status", "status", 0.7, (row) => (
      <span data-row-id={row.id} data-message-id={row.messageId ?? ""} data-direction={row.direction}>
        <StatusTag status={row.status} testId="log-row-status" />
      </span>
    )),
    column("HTTP", "httpStatus", 0.5, (row) => (
      <span className="log-table__nowrap" title={row.attempt ? `attempt ${row.attempt}` : undefined}>
        {row.httpStatus ?? "–"}
        {row.attempt > 1 ? ` ×${row.attempt}` : ""}
      </span>
    )),
    column("Latency", "latencyMs", 0.55, (row) => <span className="log-table__nowrap">{formatMs(row.latencyMs)}</span>),
    column("Error", "error", 1.3, (row) => (
      <span className="log-table__wrap log-table__error" title={row.error ?? undefined} data-test-id="log-row-error">
        {row.error ?? ""}
      </span>
    )),
    column("Message ID", "messageId", 0.7, (row) => (
      <code className="log-table__wrap" title={row.messageId ?? undefined}>
        {row.messageId ?? "–"}
      </code>
    )),
  ];
}

export function LogTable({ rows, hasMore, loadingFirstPage, loadingMore, onLoadMore, selectedId, onOpen, height }: LogTableProps) {
  const list = useRef<ListHandle | null>(null);
  const previous = useRef(rows);
  const openRef = useRef(onOpen);
  openRef.current = onOpen;
  const tableColumns = useMemo(() => columns((id) => openRef.current(id)), []);
  const data = useMemo<TableRow[]>(() => rows.map((row) => ({ ...row, key: String(row.id) })), [rows]);
  const itemStatusMap = useMemo(() => {
    const map: Record<number, "loaded" | "loading"> = {};
    data.forEach((_, index) => (map[index] = "loaded"));
    if (loadingMore) map[data.length] = "loading";
    return map;
  }, [data, loadingMore]);

  useLayoutEffect(() => {
    const before = previous.current;
    previous.current = rows;
    const offset = list.current?.state.scrollOffset ?? 0;
    if (!list.current || offset <= 0 || before === rows) return;
    const inserted = rowsInsertedAbove(before, rows, Math.floor(offset / ROW_HEIGHT));
    if (inserted > 0) list.current.scrollTo(offset + inserted * ROW_HEIGHT);
  }, [rows]);

  if (!loadingFirstPage && rows.length === 0) {
    // venus draws its empty state inside role="table" with no rows, which assistive tech reads as a broken table.
    return (
      <div className="log-table log-table--empty" data-test-id="log-table" role="status">
        <h2>No rows match</h2>
        <p className="hint">Events appear here as soon as Segment sends them. Clear or widen the filters to see more.</p>
      </div>
    );
  }
  return (
    <div className="log-table" data-test-id="log-table" aria-busy={loadingFirstPage || undefined}>
      <InfiniteScrollTable
        testId="log-table-grid"
        columns={tableColumns}
        data={data}
        uniqueKey="key"
        totalCounts={hasMore ? data.length + 1 : data.length}
        itemStatusMap={itemStatusMap}
        itemSize={ROW_HEIGHT}
        minBatchSizeToFetch={1}
        loading={loadingFirstPage}
        fetchTableData={() => undefined}
        loadMoreItems={() => {
          if (hasMore && !loadingMore) onLoadMore();
        }}
        onRowClick={(row: TableRow) => onOpen(row.id)}
        singleSelectedRowId={selectedId === null ? undefined : String(selectedId)}
        fixedlistRef={list}
        tableHeight={height}
        hideTablePanel
        isResizable={false}
        name={{ singular: "row", plural: "rows" }}
      />
    </div>
  );
}
