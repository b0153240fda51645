/**
 * Everything about one row, to answer "why didn't this visitor get the variant?": what Segment sent (secrets
 * masked), what the mapping made of it, each request with every attempt's response and timing, the timeline from
 * receipt to the final status, and the user's other events.
 */
import { useEffect, useRef, type ReactNode } from "react";
import { UserLink } from "../user-inspector/UserLink";
import { ActionButton } from "../ui/ActionButton";
import { CopyButton } from "../ui/CopyButton";
import { ErrorText, LoadingText } from "../ui/RemoteState";
import { formatWhen, prettyJson } from "../ui/format";
import { useLogDetail, useRetryRow, type LogEntryDetail, type LogItem, useCheckAssignments } from "./api";
import { DIRECTION_LABELS, eventLabel, formatClock, formatDateTime, formatMs, RETRYABLE } from "./log-format";
import { StatusTag } from "./StatusTag";
import { HeaderTable } from "../ui/HeaderTable";

type Entry = LogEntryDetail["row"];
type Related = LogEntryDetail["related"][number];
type Attempt = LogEntryDetail["attempts"][number];

interface LogDrawerProps {
  id: number;
  onClose: () => void;
  onOpen: (id: number) => void;
  onFilterUser: (userId: string) => void;
}

export function LogDrawer({ id, onClose, onOpen, onFilterUser }: LogDrawerProps) {
  const detail = useLogDetail(id);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [id]);
  useEffect(() => {
    const close = (event: globalThis.KeyboardEvent) => event.key === "Escape" && onClose();
    window.addEventListener("keydown", close);
    return () => window.removeEventListener("keydown", close);
  }, [onClose]);

  return (
    <aside className="log-drawer" role="dialog" aria-modal="false" aria-labelledby="log-drawer-title" data-test-id="log-drawer" data-row-id={id}>
      <div className="log-drawer__header">
        <h2 id="log-drawer-title" tabIndex={-1} ref={heading}>
          {detail.data ? `${DIRECTION_LABELS[detail.data.row.direction]} · ${eventLabel(detail.data.row)}` : `Row ${id}`}
        </h2>
        <ActionButton buttonType="tertiary" label="Close details" onClick={onClose} testId="log-drawer-close">
          Close
        </ActionButton>
      </div>
      {detail.isPending && <LoadingText>Loading details…</LoadingText>}
      {detail.isError && <ErrorText context="Could not load this row" error={detail.error} onRetry={() => void detail.refetch()} />}
      {detail.data && <DrawerBody detail={detail.data} onOpen={onOpen} onFilterUser={onFilterUser} />}
    </aside>
  );
}

function DrawerBody({ detail, onOpen, onFilterUser }: { detail: LogEntryDetail } & Pick<LogDrawerProps, "onOpen" | "onFilterUser">) {
  const { row } = detail;
  const retry = useRetryRow();
  const inbound = row.direction === "inbound";
  return (
    <div className="log-drawer__body">
      <div className="log-drawer__status">
        <StatusTag status={row.status} testId="log-drawer-status" />
        {row.error && (
          <span className="log-drawer__error" data-test-id="log-drawer-error">
            {row.error}
          </span>
        )}
        {RETRYABLE.has(row.status) && (
          <ActionButton buttonType="primary" isLoading={retry.isPending} onClick={() => retry.mutate(row.id)} testId="log-drawer-retry">
            Retry
          </ActionButton>
        )}
        {row.status === "pending_retry" && (
          <ActionButton buttonType="primary" isLoading={retry.isPending} onClick={() => retry.mutate(row.id)} testId="log-drawer-retry-now">
            {row.nextAttemptAt ? `Retry now (next try ${formatWhen(row.nextAttemptAt)})` : "Retry now"}
          </ActionButton>
        )}
      </div>
      <Facts row={row} onFilterUser={onFilterUser} />

      <DrawerSection title="Timeline" testId="log-drawer-timeline">
        <ol className="timeline">
          {detail.timeline.map((entry, index) => (
            <li key={index} className={`timeline__entry timeline__entry--${entry.kind}`} data-kind={entry.kind}>
              <time dateTime={new Date(entry.at).toISOString()} title={formatDateTime(entry.at)}>
                {formatClock(entry.at)}
              </time>
              <span>{entry.label}</span>
            </li>
          ))}
        </ol>
      </DrawerSection>

      {inbound ? (
        <>
          <DrawerSection title="Payload as received" testId="log-drawer-payload">
            <JsonBlock value={row.payload} what="payload" />
          </DrawerSection>
          <MappingSection row={row} />
          <DrawerSection title={`Requests sent (${detail.related.length})`} testId="log-drawer-requests">
            {detail.related.length === 0 ? (
              <p className="hint">No request: {row.error ?? "nothing in this event maps to Personalize"}.</p>
            ) : (
              detail.related.map((request) => <RequestCard key={request.id} request={request} attempts={request.attempts} onOpen={onOpen} />)
            )}
          </DrawerSection>
        </>
      ) : (
        <>
          <DrawerSection title="Request and responses" testId="log-drawer-requests">
            <RequestCard request={row} attempts={detail.attempts} />
          </DrawerSection>
          <DrawerSection title="Produced by" testId="log-drawer-mapping">
            <JsonBlock value={row.detail.sources ?? null} what="mapping sources" />
          </DrawerSection>
          <DrawerSection title={`Events in this request (${detail.related.length})`} testId="log-drawer-events">
            <RowLinks rows={detail.related} onOpen={onOpen} />
          </DrawerSection>
        </>
      )}

      <DrawerSection title="This user's other events" testId="log-drawer-user-events">
        {row.userId && (
          <ActionButton buttonType="tertiary" onClick={() => onFilterUser(row.userId!)} testId="log-drawer-filter-user">
            {`Show every row of ${row.userId}`}
          </ActionButton>
        )}
        <RowLinks rows={detail.userEvents} onOpen={onOpen} />
      </DrawerSection>
      {row.userId && <VariantCheck userId={row.userId} />}
    </div>
  );
}

function Facts({ row, onFilterUser }: { row: Entry; onFilterUser: (userId: string) => void }) {
  const facts: Array<[string, ReactNode]> = [
    ["Time", formatDateTime(row.createdAt)],
    ["Direction", DIRECTION_LABELS[row.direction]],
    [
      "User",
      row.userId ? (
        <button type="button" className="link-button" onClick={() => onFilterUser(row.userId!)}>
          {row.userId}
        </button>
      ) : (
        "–"
      ),
    ],
    ["Event", eventLabel(row)],
    ["Message ID", row.messageId ? <code>{row.messageId}</code> : "–"],
    ["HTTP status", row.httpStatus ?? "–"],
    ["Latency", formatMs(row.latencyMs)],
    ["Attempts", row.attempt || "–"],
    ["Next attempt", row.nextAttemptAt ? formatDateTime(row.nextAttemptAt) : "–"],
    ["Row", row.id],
  ];
  return (
    <dl className="facts" data-test-id="log-drawer-facts">
      {facts.map(([term, value]) => (
        <div key={term} className="facts__item">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function MappingSection({ row }: { row: Entry }) {
  const mapping = row.detail.mapping as { userUid?: unknown; operations?: unknown; notes?: unknown; engage?: unknown; filtered?: unknown } | undefined;
  const notes = Array.isArray(mapping?.notes) ? mapping.notes.map(String) : [];
  const superseded = Array.isArray(row.detail.superseded) ? row.detail.superseded.map(String) : [];
  return (
    <DrawerSection title="Mapping applied" testId="log-drawer-mapping">
      {!mapping ? (
        <p className="hint">Not mapped yet{row.status === "rejected" || row.status === "deduplicated" ? `: the event was ${row.status}` : ""}.</p>
      ) : (
        <>
          <p>
            Personalize user: <code>{typeof mapping.userUid === "string" ? mapping.userUid : "none"}</code>
          </p>
          {notes.length > 0 && (
            <ul className="notes">
              {notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
          {superseded.length > 0 && <p className="hint">Superseded by newer values (last write wins): {superseded.join(", ")}</p>}
          <JsonBlock value={mapping.operations ?? []} what="operations" />
          {mapping.filtered ? <JsonBlock value={mapping.filtered} what="filter reason" /> : null}
          {mapping.engage ? <JsonBlock value={mapping.engage} what="Engage details" /> : null}
        </>
      )}
    </DrawerSection>
  );
}

function RequestCard({ request, attempts, onOpen }: { request: Entry | Related; attempts: Attempt[]; onOpen?: (id: number) => void }) {
  const sent = request.payload as { method?: string; url?: string; headers?: Record<string, string>; body?: string } | null;
  return (
    <div className="request" data-test-id="log-drawer-request" data-row-id={request.id}>
      <p className="request__line">
        <StatusTag status={request.status} /> <strong>{sent?.method}</strong> <code>{sent?.url}</code>
        {onOpen && (
          <button type="button" className="link-button" onClick={() => onOpen(request.id)} data-test-id="log-drawer-open-request">
            Open row {request.id}
          </button>
        )}
      </p>
      {sent?.headers && <HeaderTable headers={sent.headers} />}
      {sent?.body !== undefined && <JsonBlock value={parseBody(sent.body)} what="request body" />}
      <ol className="attempts" aria-label="Attempts">
        {attempts.length === 0 && <li className="hint">Not sent yet.</li>}
        {attempts.map((attempt) => (
          <li key={attempt.attempt} className="attempt" data-test-id="log-drawer-response">
            <p>
              Attempt {attempt.attempt}
              {attempt.trigger === "manual" ? " (manual)" : ""}
              {attempt.resent ? " (sent again: the worker that held it stopped before answering)" : ""} at {formatClock(attempt.startedAt)}:{" "}
              <strong>{attempt.httpStatus === null ? attempt.error ?? "no response" : `HTTP ${attempt.httpStatus}`}</strong> in {formatMs(attempt.latencyMs)}
            </p>
            {attempt.responseBody && <JsonBlock value={parseBody(attempt.responseBody)} what="response body" />}
          </li>
        ))}
      </ol>
    </div>
  );
}

function RowLinks({ rows, onOpen }: { rows: LogItem[]; onOpen: (id: number) => void }) {
  if (rows.length === 0) return <p className="hint">None.</p>;
  return (
    <ul className="row-links">
      {rows.map((row) => (
        <li key={row.id}>
          <button type="button" className="link-button" onClick={() => onOpen(row.id)} data-test-id="log-drawer-row-link" data-row-id={row.id}>
            {formatClock(row.createdAt)} · {DIRECTION_LABELS[row.direction]} · {eventLabel(row)}
          </button>{" "}
          <StatusTag status={row.status} />
        </li>
      ))}
    </ul>
  );
}

function DrawerSection({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <section className="log-drawer__section" data-test-id={testId} aria-label={title}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function JsonBlock({ value, what }: { value: unknown; what: string }) {
  const text = typeof value === "string" ? value : prettyJson(value);
  return (
    <div className="json-block">
      <pre className="code-block">{text}</pre>
      <CopyButton text={text} what={what} />
    </div>
  );
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** "Why didn't this visitor get the variant?": ask Personalize for the user's variants now (two-way sync). */
function VariantCheck({ userId }: { userId: string }) {
  const check = useCheckAssignments();
  const result = check.data;
  return (
    <DrawerSection title="Variants in Personalize" testId="log-drawer-variants">
      <ActionButton buttonType="secondary" isLoading={check.isPending} onClick={() => check.mutate(userId)} testId="log-drawer-check-variants">
        {`Check ${userId}'s variants now`}
      </ActionButton>
      <UserLink userId={userId} testId="log-drawer-inspect-user">{`Why does ${userId} get these variants? Open the user view`}</UserLink>
      {result && (
        <p role="status" data-test-id="log-drawer-variants-result">
          {result.status === "skipped" || result.status === "failed"
            ? `Not checked: ${result.reason ?? result.status}`
            : `${describeAssignments(result.assignments ?? {})}${result.status === "changed" ? " (changed: sent to Segment)" : ""}`}
        </p>
      )}
    </DrawerSection>
  );
}

function describeAssignments(assignments: Record<string, string | null>): string {
  const entries = Object.entries(assignments);
  if (entries.length === 0) return "No experiences in this project.";
  return entries.map(([experience, variant]) => `experience ${experience}: ${variant === null ? "no variant" : `variant ${variant}`}`).join("; ");
}
