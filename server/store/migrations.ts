/**
 * Versioned schema, written once for both SQLite and PostgreSQL. `{{id}}`, `{{eventIds}}`, `{{bytesColumns}}` and
 * `{{thenId}}` are the only dialect differences; every query in the stores uses the same tables, columns and indexes.
 */
export interface Dialect {
  id: string;
  /** The JSON text of `detail.eventIds` of a sync_log row, or NULL (before migration 8 made it bytes). */
  eventIds: string;
  /** Makes sync_log's payload and detail hold bytes (json-codec.ts), keeping the text already there as UTF-8. */
  bytesColumns: string;
  /**
   * Ends an index's columns so that it yields an installation's rows in id order: SQLite ends every index with the
   * rowid (which `id` is) already, so naming it would store it twice.
   */
  thenId: string;
}

export const SQLITE_DIALECT: Dialect = {
  id: "INTEGER PRIMARY KEY AUTOINCREMENT",
  eventIds: "json_extract(detail, '$.eventIds')",
  // A SQLite column holds text and blobs alike: rows written before keep their text, which the codec reads.
  bytesColumns: "",
  thenId: "",
};
export const POSTGRES_DIALECT: Dialect = {
  id: "BIGSERIAL PRIMARY KEY",
  eventIds: "(detail::json -> 'eventIds')::text",
  bytesColumns: `ALTER TABLE sync_log ALTER COLUMN payload TYPE BYTEA USING convert_to(payload, 'UTF8'),
  ALTER COLUMN detail TYPE BYTEA USING convert_to(detail, 'UTF8');`,
  thenId: ", id",
};

/**
 * The rows migration 8's partial indexes hold: values of a column rare enough to need an index. A filter on a
 * common value scans the installation's rows newest first and fills its page quickly; a filter on other values adds
 * this condition word for word (logFilterConditions), so that either database sees it may use the index. Part of
 * migration 8: never change it (a new migration may add other indexes).
 */
export const SPARSE = {
  status: "status <> 'delivered'",
  direction: "direction = 'segment'",
  eventType: "event_type NOT IN ('identify', 'track', 'attributes', 'events')",
} as const;
/** The values SPARSE leaves out, per column. */
export const COMMON_VALUES = {
  status: ["delivered"],
  direction: ["inbound", "personalize"],
  eventType: ["identify", "track", "attributes", "events"],
} as const;

export const MIGRATIONS: Array<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: "installations, sync log as queue, attempts, de-duplication, user state",
    sql: `
CREATE TABLE installations (
  uid TEXT PRIMARY KEY,
  stack_api_key TEXT NOT NULL,
  organization_uid TEXT NOT NULL,
  app_uid TEXT NOT NULL,
  configuration TEXT NOT NULL,
  server_configuration TEXT NOT NULL,
  write_key_hash TEXT UNIQUE,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE sync_log (
  id {{id}},
  installation_uid TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  direction TEXT NOT NULL,
  status TEXT NOT NULL,
  user_id TEXT,
  message_id TEXT,
  event_type TEXT,
  event_name TEXT,
  http_status INTEGER,
  latency_ms INTEGER,
  attempt INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  lease_until BIGINT,
  open_requests INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  payload TEXT,
  detail TEXT
);
CREATE INDEX sync_log_by_installation ON sync_log (installation_uid, id);
CREATE INDEX sync_log_by_user ON sync_log (installation_uid, user_id, id);
CREATE INDEX sync_log_by_message ON sync_log (installation_uid, message_id);
CREATE INDEX sync_log_by_status ON sync_log (installation_uid, status, id);
CREATE INDEX sync_log_by_direction ON sync_log (installation_uid, direction, id);
CREATE INDEX sync_log_by_event ON sync_log (installation_uid, event_name, id);
CREATE INDEX sync_log_by_http_status ON sync_log (installation_uid, http_status, id);
CREATE INDEX sync_log_by_time ON sync_log (installation_uid, created_at);
CREATE INDEX sync_log_queued ON sync_log (id) WHERE status = 'queued';
CREATE INDEX sync_log_due ON sync_log (next_attempt_at)
  WHERE status IN ('pending', 'pending_retry') AND next_attempt_at IS NOT NULL;
CREATE INDEX sync_log_in_flight ON sync_log (lease_until) WHERE status = 'in_flight';
CREATE INDEX sync_log_open_lane ON sync_log (installation_uid, direction, user_id, id)
  WHERE status IN ('pending', 'pending_retry', 'in_flight');

CREATE TABLE delivery_attempts (
  id {{id}},
  log_id BIGINT NOT NULL,
  installation_uid TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at BIGINT NOT NULL,
  latency_ms INTEGER NOT NULL,
  http_status INTEGER,
  response_body TEXT NOT NULL,
  error TEXT,
  trigger_type TEXT NOT NULL
);
CREATE INDEX delivery_attempts_by_log ON delivery_attempts (log_id);

CREATE TABLE seen_messages (
  installation_uid TEXT NOT NULL,
  message_id TEXT NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (installation_uid, message_id)
);
CREATE INDEX seen_messages_by_time ON seen_messages (seen_at);

CREATE TABLE user_state (
  installation_uid TEXT NOT NULL,
  user_id TEXT NOT NULL,
  attribute_clock TEXT NOT NULL,
  PRIMARY KEY (installation_uid, user_id)
);
`,
  },
  {
    version: 2,
    name: "sync log indexes for the event type, status class and error text filters",
    sql: `
CREATE INDEX sync_log_by_event_type ON sync_log (installation_uid, event_type, id);
CREATE INDEX sync_log_by_status_class ON sync_log (installation_uid, (http_status / 100), id);
CREATE INDEX sync_log_with_error ON sync_log (installation_uid, id) WHERE error IS NOT NULL;
`,
  },
  {
    version: 3,
    name: "accepted events not yet settled, counted for ingest backpressure",
    sql: `
CREATE INDEX sync_log_unsettled_inbound ON sync_log (id)
  WHERE direction = 'inbound' AND status IN ('queued', 'processing', 'pending_retry');
`,
  },
  {
    version: 4,
    name: "accepted requests staged as one row each, expanded into the sync log off the acknowledgement path",
    sql: `
CREATE TABLE inbound_staged (
  id {{id}},
  installation_uid TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  event_count INTEGER NOT NULL,
  events TEXT NOT NULL
);
CREATE INDEX inbound_staged_by_installation ON inbound_staged (installation_uid);
`,
  },
  {
    version: 5,
    name: "a deliveries table of its own as the outbound queue; open requests and their leases move there",
    sql: `
CREATE TABLE deliveries (
  log_id BIGINT PRIMARY KEY,
  installation_uid TEXT NOT NULL,
  direction TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  due_at BIGINT,
  lease_until BIGINT,
  request TEXT NOT NULL,
  event_ids TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL AND lease_until IS NULL;
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX deliveries_lane ON deliveries (installation_uid, direction, user_id, log_id);

INSERT INTO deliveries (log_id, installation_uid, direction, user_id, created_at, attempt, due_at, lease_until, request, event_ids)
  SELECT id, installation_uid, direction, user_id, created_at, attempt, next_attempt_at,
    CASE WHEN status = 'in_flight' THEN lease_until END, payload, COALESCE({{eventIds}}, '[]')
  FROM sync_log WHERE direction <> 'inbound' AND status IN ('pending', 'pending_retry', 'in_flight');
UPDATE sync_log SET status = CASE WHEN status = 'in_flight' AND attempt > 0 THEN 'pending_retry'
                                  WHEN status = 'in_flight' THEN 'pending' ELSE status END,
    next_attempt_at = NULL, lease_until = NULL
  WHERE direction <> 'inbound' AND status IN ('pending', 'pending_retry', 'in_flight');

DROP INDEX sync_log_due;
DROP INDEX sync_log_in_flight;
DROP INDEX sync_log_open_lane;

ALTER TABLE delivery_attempts ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 6,
    name: "bulk-retry jobs in the store, so that any process answers for any job",
    sql: `
CREATE TABLE retry_jobs (
  id TEXT PRIMARY KEY,
  installation_uid TEXT NOT NULL,
  state TEXT NOT NULL,
  filter TEXT NOT NULL,
  matched_rows INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  processed INTEGER NOT NULL DEFAULT 0,
  requeued INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE UNIQUE INDEX retry_jobs_running ON retry_jobs (installation_uid) WHERE finished_at IS NULL;
CREATE INDEX retry_jobs_by_finish ON retry_jobs (finished_at) WHERE finished_at IS NOT NULL;
`,
  },
  {
    version: 7,
    name: "tenant isolation: secret claims, the durable lifecycle record, refused ingest counters",
    sql: `
CREATE TABLE secret_claims (
  secret_hash TEXT PRIMARY KEY,
  installation_uid TEXT NOT NULL
);
CREATE INDEX secret_claims_by_installation ON secret_claims (installation_uid);
INSERT INTO secret_claims (secret_hash, installation_uid)
  SELECT write_key_hash, uid FROM installations WHERE write_key_hash IS NOT NULL;

CREATE TABLE lifecycle_applied (
  installation_uid TEXT PRIMARY KEY,
  triggered_at BIGINT NOT NULL,
  body_digest TEXT NOT NULL,
  event TEXT NOT NULL,
  uninstalled_at BIGINT
);

CREATE TABLE ingest_refusals (
  installation_uid TEXT PRIMARY KEY,
  unauthenticated BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);
`,
  },
  {
    version: 8,
    name: "compact log rows: bytes for payload and detail, a short installation key in the indexes, partial indexes where a scan would not do",
    sql: `
{{bytesColumns}}

CREATE TABLE installation_keys (
  id {{id}},
  uid TEXT NOT NULL UNIQUE
);
INSERT INTO installation_keys (uid) SELECT DISTINCT installation_uid FROM sync_log ORDER BY installation_uid;
ALTER TABLE sync_log ADD COLUMN installation_key BIGINT;
UPDATE sync_log SET installation_key = (SELECT id FROM installation_keys WHERE uid = sync_log.installation_uid);

DROP INDEX sync_log_by_installation;
DROP INDEX sync_log_by_user;
DROP INDEX sync_log_by_message;
DROP INDEX sync_log_by_status;
DROP INDEX sync_log_by_direction;
DROP INDEX sync_log_by_event;
DROP INDEX sync_log_by_http_status;
DROP INDEX sync_log_by_time;
DROP INDEX sync_log_by_event_type;
DROP INDEX sync_log_by_status_class;
DROP INDEX sync_log_with_error;

CREATE INDEX sync_log_by_installation ON sync_log (installation_key{{thenId}});
CREATE INDEX sync_log_by_user ON sync_log (installation_key, user_id{{thenId}});
CREATE INDEX sync_log_by_message ON sync_log (installation_key, message_id);
CREATE INDEX sync_log_by_time ON sync_log (installation_key, created_at);
CREATE INDEX sync_log_by_event ON sync_log (installation_key, event_name{{thenId}}) WHERE event_name IS NOT NULL;
CREATE INDEX sync_log_by_status_class ON sync_log (installation_key, (http_status / 100){{thenId}}) WHERE http_status IS NOT NULL;
CREATE INDEX sync_log_with_error ON sync_log (installation_key{{thenId}}) WHERE error IS NOT NULL;
CREATE INDEX sync_log_by_status ON sync_log (installation_key, status{{thenId}}) WHERE ${SPARSE.status};
CREATE INDEX sync_log_two_way ON sync_log (installation_key{{thenId}}) WHERE ${SPARSE.direction};
CREATE INDEX sync_log_by_event_type ON sync_log (installation_key, event_type{{thenId}}) WHERE ${SPARSE.eventType};
`,
  },
  {
    version: 9,
    name: "alert state in the store, so that a restart or a second API process sends no notice twice",
    sql: `
CREATE TABLE alert_active (
  installation_uid TEXT NOT NULL,
  condition TEXT NOT NULL,
  since BIGINT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (installation_uid, condition)
);

CREATE TABLE alert_history (
  id {{id}},
  installation_uid TEXT NOT NULL,
  at BIGINT NOT NULL,
  condition TEXT NOT NULL,
  state TEXT NOT NULL,
  message TEXT NOT NULL,
  delivery TEXT NOT NULL
);
CREATE INDEX alert_history_by_installation ON alert_history (installation_uid, id);
`,
  },
];

export function renderMigration(sql: string, dialect: Dialect): string {
  return sql
    .replaceAll("{{id}}", dialect.id)
    .replaceAll("{{eventIds}}", dialect.eventIds)
    .replaceAll("{{bytesColumns}}", dialect.bytesColumns)
    .replaceAll("{{thenId}}", dialect.thenId);
}

/** How long a messageId is remembered for de-duplication (Segment: at least 24 h). */
export const DEDUPLICATION_WINDOW_MS = 48 * 3600 * 1000;
