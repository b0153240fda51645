/** Row encoding and the log query, shared by the SQLite and PostgreSQL stores. */
import {
  configurationSchema,
  serverConfigurationSchema,
} from "../../src/shared/installation-config.ts";
import type { SecretBox } from "../security/secret-box.ts";
import { decodeJson } from "./json-codec.ts";
import { COMMON_VALUES, SPARSE } from "./migrations.ts";
import type { ClaimedOutbound, DeliveryAttempt, Direction, Installation, LogQuery, LogRow, LogRowFilter, LogStatus } from "./types.ts";

export type Row = Record<string, unknown>;

/**
 * A log row as the UI sees it: the stored row, with what only the deliveries queue knows (a held lease shows as
 * `in_flight`, the due time of a lane's head as `next_attempt_at`). Filters name the log's columns as `sync_log.`.
 */
export const LOG_ROW_SELECT = `SELECT sync_log.*, deliveries.due_at AS queue_due_at, deliveries.lease_until AS queue_lease_until
  FROM sync_log LEFT JOIN deliveries ON deliveries.log_id = sync_log.id`;
/**
 * Selects an installation's sync_log rows through the log's indexes, which hold a short installation key instead of
 * the uid (migration 8); binds the uid. An installation without a key has no rows.
 */
export function logOfInstallation(uid: string): string {
  return `sync_log.installation_key = (SELECT id FROM installation_keys WHERE uid = ${uid})`;
}

const SHOWN_STATUS = "(CASE WHEN deliveries.lease_until IS NOT NULL THEN 'in_flight' ELSE sync_log.status END)";
/** Statuses only a request still in the queue can have; it is stored as `pending` or `pending_retry`. */
const QUEUED_STATUSES: readonly LogStatus[] = ["pending", "pending_retry", "in_flight"];
/** Rows retention may delete: never anything accepted and not yet settled. */
export const PRUNABLE_STATUSES_SQL =
  "('delivered', 'filtered', 'rejected', 'deduplicated', 'failed', 'dead_lettered')";

const nullableNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const nullableString = (value: unknown) => (value === null || value === undefined ? null : String(value));
const parseJson = (value: unknown) => (value === null || value === undefined ? null : JSON.parse(String(value)));

export function encodeInstallation(installation: Installation, writeKeyHash: string | null, secrets: SecretBox) {
  return {
    uid: installation.uid,
    stack_api_key: installation.stackApiKey,
    organization_uid: installation.organizationUid,
    app_uid: installation.appUid,
    configuration: JSON.stringify(installation.configuration),
    server_configuration: secrets.seal(JSON.stringify(installation.serverConfiguration)),
    write_key_hash: writeKeyHash,
    created_at: installation.createdAt,
    updated_at: installation.updatedAt,
  };
}

export function decodeInstallation(row: Row, secrets: SecretBox): Installation {
  return {
    uid: String(row.uid),
    stackApiKey: String(row.stack_api_key),
    organizationUid: String(row.organization_uid),
    appUid: String(row.app_uid),
    // Stored config passed the schema when saved; parsing again fills defaults added by later versions.
    configuration: configurationSchema.parse(JSON.parse(String(row.configuration))),
    serverConfiguration: serverConfigurationSchema.parse(JSON.parse(secrets.open(String(row.server_configuration)))),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * A log row as the UI sees it. Its payload and detail are decoded when first read: a list or a CSV export shows
 * neither, and inflating them for each of a million rows would cost the event loop seconds.
 */
export function decodeLogRow(row: Row): LogRow {
  const decoded = {
    id: Number(row.id),
    installationUid: String(row.installation_uid),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    direction: String(row.direction) as Direction,
    status: (row.queue_lease_until === null || row.queue_lease_until === undefined ? String(row.status) : "in_flight") as LogStatus,
    userId: nullableString(row.user_id),
    messageId: nullableString(row.message_id),
    eventType: nullableString(row.event_type),
    eventName: nullableString(row.event_name),
    httpStatus: nullableNumber(row.http_status),
    latencyMs: nullableNumber(row.latency_ms),
    attempt: Number(row.attempt),
    nextAttemptAt: nullableNumber(row.queue_due_at),
    error: nullableString(row.error),
  } as LogRow;
  decodedOnRead(decoded, "payload", () => decodeJson(row.payload));
  decodedOnRead(decoded, "detail", () => (decodeJson(row.detail) as Record<string, unknown> | null) ?? {});
  return decoded;
}

/** Defines `key` as an enumerable property computed on its first read (or set), then kept as a plain value. */
function decodedOnRead<T extends object>(target: T, key: keyof T & string, compute: () => unknown): void {
  const settle = (value: unknown) => Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = compute();
      settle(value);
      return value;
    },
    set: settle,
  });
}

/** A deliveries row, claimed; `resent` when its previous lease ran out. */
export function decodeClaimed(row: Row, resent: boolean): ClaimedOutbound {
  return {
    id: Number(row.log_id),
    installationUid: String(row.installation_uid),
    direction: String(row.direction) as ClaimedOutbound["direction"],
    userId: String(row.user_id),
    createdAt: Number(row.created_at),
    attempt: Number(row.attempt),
    request: parseJson(row.request) as ClaimedOutbound["request"],
    eventIds: parseJson(row.event_ids) as number[],
    resent,
  };
}

/** The `nextDue` statement's row: the earlier of the next due time and the next lease end. */
export function decodeNextDue(row: Row | undefined): number | null {
  const times = [row?.due, row?.lease].filter((at) => at !== null && at !== undefined).map(Number);
  return times.length ? Math.min(...times) : null;
}

export function decodeAttempt(row: Row): DeliveryAttempt {
  return {
    id: Number(row.id),
    logId: Number(row.log_id),
    attempt: Number(row.attempt),
    startedAt: Number(row.started_at),
    latencyMs: Number(row.latency_ms),
    httpStatus: nullableNumber(row.http_status),
    responseBody: String(row.response_body),
    error: nullableString(row.error),
    trigger: String(row.trigger_type) as DeliveryAttempt["trigger"],
    resent: Boolean(Number(row.resent)),
  };
}

const ID_BOUND_MARGIN_MS = 5 * 60_000;
const MAX_ID = "9223372036854775807";

/** The SQL conditions of a row filter; `bind(value)` adds a parameter and returns its placeholder. */
export function logFilterConditions(filter: LogRowFilter, bind: (value: unknown) => string): string[] {
  const where: string[] = [];
  const list = (values: readonly unknown[]) => values.map(bind).join(", ");
  /** Only rare values are indexed (SPARSE): a filter on none of the common ones says so, to use the index. */
  const sparse = (column: keyof typeof COMMON_VALUES, values: Iterable<string>) => {
    const common: readonly string[] = COMMON_VALUES[column];
    if (![...values].some((value) => common.includes(value))) where.push(`sync_log.${SPARSE[column]}`);
  };
  if (filter.directions?.length) {
    where.push(`sync_log.direction IN (${list(filter.directions)})`);
    sparse("direction", filter.directions);
  }
  if (filter.statuses?.length) {
    // In flight is not stored: a request the queue has leased is stored as pending or pending_retry.
    const stored = new Set<string>(filter.statuses.filter((status) => status !== "in_flight"));
    if (filter.statuses.includes("in_flight")) stored.add("pending").add("pending_retry");
    where.push(`sync_log.status IN (${list([...stored])})`);
    sparse("status", stored);
  }
  if (filter.eventType) {
    where.push(`sync_log.event_type = ${bind(filter.eventType)}`);
    sparse("eventType", [filter.eventType]);
  }
  if (filter.eventName) where.push(`sync_log.event_name = ${bind(filter.eventName)}`, "sync_log.event_name IS NOT NULL");
  if (filter.userId) where.push(`sync_log.user_id = ${bind(filter.userId)}`);
  if (filter.messageId) where.push(`sync_log.message_id = ${bind(filter.messageId)}`);
  // Both status filters are written as the expression of the sync_log_by_status_class index (of rows with a
  // status), which yields rows already in id order.
  const classes = [filter.httpStatusClass, filter.httpStatus === undefined ? undefined : Math.floor(filter.httpStatus / 100)];
  if (classes.some((statusClass) => statusClass !== undefined)) where.push("sync_log.http_status IS NOT NULL");
  for (const statusClass of new Set(classes)) if (statusClass !== undefined) where.push(`sync_log.http_status / 100 = ${bind(statusClass)}`);
  if (filter.httpStatus !== undefined) where.push(`sync_log.http_status = ${bind(filter.httpStatus)}`);
  if (filter.hideTwoWayChecks) where.push("(sync_log.event_type IS NULL OR sync_log.event_type <> 'manifest')");
  if (filter.errorText) {
    // The explicit IS NOT NULL lets the planner use the partial index of rows with an error.
    where.push("sync_log.error IS NOT NULL");
    const literal = filter.errorText.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    where.push(`lower(sync_log.error) LIKE ${bind(`%${literal}%`)} ESCAPE '\\'`);
  }
  return where;
}

/** Builds the filtered, newest-first log query; `placeholder(n)` renders the n-th parameter (`?` or `$n`). */
export function logQuerySql(query: LogQuery, placeholder: (index: number) => string): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(placeholder(params.length)));
  };
  const addList = (column: string, values: readonly unknown[]) => {
    const marks = values.map((value) => {
      params.push(value);
      return placeholder(params.length);
    });
    where.push(`${column} IN (${marks.join(", ")})`);
  };
  add(logOfInstallation, query.installationUid);
  where.push(
    ...logFilterConditions(query, (value) => {
      params.push(value);
      return placeholder(params.length);
    }),
  );
  // Only the log's own query joins the queue, so only it can tell a leased request (in flight) from a waiting one.
  if (query.statuses?.some((status) => QUEUED_STATUSES.includes(status))) addList(SHOWN_STATUS, query.statuses);
  // A time bound is also applied as an id bound, so that the newest-first scan seeks to it instead of sorting the
  // whole range (`+` keeps SQLite off the created_at index). Ids grow with created_at; the margin covers rows
  // committed slightly out of clock order, and the exact created_at test still decides.
  const firstIdFrom = (time: number) => {
    params.push(query.installationUid, time);
    return `COALESCE((SELECT id FROM sync_log WHERE ${logOfInstallation(placeholder(params.length - 1))}
      AND created_at >= ${placeholder(params.length)} ORDER BY created_at, id LIMIT 1), ${MAX_ID})`;
  };
  if (query.from !== undefined) {
    add((p) => `+sync_log.created_at >= ${p}`, query.from);
    where.push(`sync_log.id >= ${firstIdFrom(query.from - ID_BOUND_MARGIN_MS)}`);
  }
  if (query.to !== undefined) {
    add((p) => `+sync_log.created_at < ${p}`, query.to);
    where.push(`sync_log.id < ${firstIdFrom(query.to + ID_BOUND_MARGIN_MS)}`);
  }
  if (query.beforeId !== undefined) add((p) => `sync_log.id < ${p}`, query.beforeId);
  if (query.ids) {
    if (query.ids.length) addList("sync_log.id", query.ids);
    else where.push("1 = 0");
  }
  params.push(query.limit);
  return {
    sql: `${LOG_ROW_SELECT} WHERE ${where.join(" AND ")} ORDER BY sync_log.id DESC LIMIT ${placeholder(params.length)}`,
    params,
  };
}
