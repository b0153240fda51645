/**
 * Fills a SQLite sync log with realistic rows, stored as the store stores them (json-codec.ts), fast (one prepared statement, one transaction): Segment events as
 * analytics-node sends them, their mapping detail, the Personalize requests planned from them with one attempt
 * each, and the de-duplication keys of the last 48 hours. Seeded, so every run writes the same rows.
 */
import Database from "better-sqlite3";
import { encodeJson } from "../store/json-codec.ts";
import { DEDUPLICATION_WINDOW_MS } from "../store/migrations.ts";
import { ADD_INSTALLATION_KEY } from "../store/statements.ts";
import { seededRandom } from "../testing/seeded-random.ts";

export interface LogFixture {
  installationUid: string;
  rows: number;
  userIds: string[];
  eventNames: string[];
  /** created_at of the newest row; rows span the 13 days before it. */
  newestAt: number;
}

const SPAN_MS = 13 * 86_400_000;
const USERS = 50_000;
const EVENT_NAMES = [
  "Order Completed", "Product Viewed", "Product Added", "Cart Viewed", "Checkout Started", "Checkout Step Viewed",
  "Payment Info Entered", "Coupon Applied", "Product List Viewed", "Products Searched", "Signed Up", "Signed In",
  "Signed Out", "Trial Started", "Subscription Upgraded", "Subscription Cancelled", "Video Playback Started",
  "Video Playback Completed", "Article Viewed", "Newsletter Subscribed", "Form Submitted", "Experiment Viewed",
  "Feature Used", "Invite Sent", "Account Created", "Profile Updated", "Wishlist Added", "Review Submitted",
  "Share Clicked", "Download Started", "Support Ticket Opened", "Plan Selected", "Onboarding Completed",
  "Notification Clicked", "Search Result Clicked", "Banner Clicked", "Promotion Viewed", "Promotion Clicked",
  "Store Located", "Order Refunded",
];
const PAGE_NAMES = ["Home", "Pricing", "Checkout", "Product", "Blog", "Docs", "About", "Careers"];
const PLANS = ["free", "starter", "pro", "enterprise"];


/** Picks by weight from `[value, weight]` pairs (weights sum to 1). */
function weighted<T>(random: () => number, table: ReadonlyArray<readonly [T, number]>): T {
  let roll = random();
  for (const [value, weight] of table) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return table[table.length - 1][0];
}

const INBOUND_OUTCOMES = [
  ["delivered", 0.86],
  ["filtered", 0.08],
  ["deduplicated", 0.01],
  ["rejected", 0.01],
  ["failed", 0.025],
  ["dead_lettered", 0.005],
  ["pending_retry", 0.01],
] as const;

const FAILURES = [
  { httpStatus: 500, error: "HTTP 500", status: "pending_retry" },
  { httpStatus: 503, error: "HTTP 503", status: "failed" },
  { httpStatus: 400, error: "HTTP 400", status: "failed" },
  { httpStatus: 422, error: "HTTP 422", status: "failed" },
  { httpStatus: null, error: "timed out waiting for Personalize", status: "dead_lettered" },
] as const;

function segmentEvent(random: () => number, type: string, name: string | null, userId: string, messageId: string, at: string) {
  const base = {
    type,
    userId,
    anonymousId: `anon-${Math.floor(random() * 1e12).toString(36)}-${Math.floor(random() * 1e12).toString(36)}`,
    messageId,
    context: {
      library: { name: "@segment/analytics-node", version: "3.1.0" },
      ip: `203.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`,
      userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
      page: { path: "/checkout", url: "https://shop.example.com/checkout", referrer: "https://www.google.com/" },
      locale: "en-US",
    },
    integrations: {},
    timestamp: at,
    sentAt: at,
    receivedAt: at,
    _metadata: { nodeVersion: "20.20.0", jsRuntime: "node" },
  };
  if (type === "identify") {
    return {
      ...base,
      traits: {
        email: `${userId}@example.com`,
        plan: PLANS[Math.floor(random() * PLANS.length)],
        lifetime_value: Math.round(random() * 500000) / 100,
        company: { name: "Example Inc", employees: Math.floor(random() * 5000) },
      },
    };
  }
  if (type === "page") return { ...base, name, properties: { path: "/pricing", title: `${name} | Example`, url: "https://example.com/pricing" } };
  return {
    ...base,
    event: name,
    properties: { revenue: Math.round(random() * 20000) / 100, currency: "USD", order_id: `ord-${Math.floor(random() * 1e9)}`, coupon: null },
  };
}

/** Writes `rows` rows for one installation into the migrated database at `path`. */
export function fillSyncLog(path: string, installationUid: string, rows: number, newestAt: number, seed = 7): LogFixture {
  const random = seededRandom(seed);
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -524288");
  const insertRow = db.prepare(`INSERT INTO sync_log
      (id, installation_uid, created_at, updated_at, direction, status, user_id, message_id, event_type, event_name,
       http_status, latency_ms, attempt, next_attempt_at, open_requests, error, payload, detail, installation_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, (SELECT id FROM installation_keys WHERE uid = ?))`);
  const insertAttempt = db.prepare(`INSERT INTO delivery_attempts
      (log_id, installation_uid, attempt, started_at, latency_ms, http_status, response_body, error, trigger_type)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled')`);
  const markSeen = db.prepare("INSERT OR IGNORE INTO seen_messages (installation_uid, message_id, seen_at) VALUES (?, ?, ?)");
  const firstAt = newestAt - SPAN_MS;
  const userIds = Array.from({ length: USERS }, (_, i) => `user-${i.toString().padStart(6, "0")}`);
  const edge = "https://personalize-edge.contentstack.com";

  db.transaction(() => {
    db.prepare(ADD_INSTALLATION_KEY).run(installationUid);
    let id = 0;
    while (id < rows) {
      const createdAt = Math.round(firstAt + (SPAN_MS * id) / rows);
      const at = new Date(createdAt).toISOString();
      const userId = userIds[Math.floor(random() ** 2 * USERS)];
      const type = weighted(random, [["track", 0.6], ["identify", 0.3], ["page", 0.1]] as const);
      const name =
        type === "track" ? EVENT_NAMES[Math.floor(random() ** 1.5 * EVENT_NAMES.length)] : type === "page" ? PAGE_NAMES[Math.floor(random() * PAGE_NAMES.length)] : null;
      const messageId = `node-next-${createdAt}-${Math.floor(random() * 1e15).toString(36)}`;
      const outcome = weighted(random, INBOUND_OUTCOMES);
      const inboundId = ++id;
      const sendsRequest = ["delivered", "failed", "dead_lettered", "pending_retry"].includes(outcome);
      const failures = FAILURES.filter((f) => f.status === outcome);
      const failure = failures.length ? failures[Math.floor(random() * failures.length)] : null;
      const outboundId = sendsRequest && id < rows ? ++id : null;
      const eventKey = (name ?? "page").toLowerCase().replaceAll(" ", "_");
      const operations =
        type === "identify"
          ? [{ kind: "attributes", userUid: userId, attributes: { plan: "pro", lifetime_value: 120.5 }, sources: { plan: "row:plan", lifetime_value: "row:ltv" }, timestamp: at }]
          : [{ kind: "event", userUid: userId, eventKey, source: "row:order" }];
      const inboundError =
        outcome === "filtered" ? "no mapping row, Engage rule or pass-through produced anything to send"
        : outcome === "deduplicated" ? "messageId already received"
        : outcome === "rejected" ? "event is required for track and must be a string"
        : failure?.error ?? null;
      insertRow.run(
        inboundId, installationUid, createdAt, createdAt + 250, "inbound", outcome, userId, messageId, type, name,
        outcome === "rejected" ? 400 : null, null, 0, null, inboundError,
        outcome === "rejected" ? null : encodeJson(segmentEvent(random, type, name, userId, messageId, at)),
        encodeJson({
          source: "tracking_api",
          mapping: { userUid: userId, operations, notes: [], engage: null, filtered: null },
          outboundIds: outboundId ? [outboundId] : [],
        }),
        installationUid,
      );
      if (createdAt > newestAt - DEDUPLICATION_WINDOW_MS) markSeen.run(installationUid, messageId, createdAt);
      if (!outboundId) continue;
      const latencyMs = Math.round(20 + random() ** 3 * 400);
      const kind = type === "identify" ? "attributes" : "events";
      const body = kind === "attributes" ? JSON.stringify({ plan: "pro", lifetime_value: 120.5 }) : JSON.stringify([{ eventKey, type: "EVENT" }]);
      const httpStatus = failure ? failure.httpStatus : 200;
      insertRow.run(
        outboundId, installationUid, createdAt + 200, createdAt + 200 + latencyMs, "personalize", outcome, userId,
        messageId, kind, kind === "events" ? name : null, httpStatus, latencyMs, 1,
        outcome === "pending_retry" ? newestAt + 3_600_000 : null, failure?.error ?? null,
        encodeJson({
          method: kind === "attributes" ? "PATCH" : "POST",
          url: `${edge}/${kind === "attributes" ? "user-attributes" : "events"}`,
          headers: { "content-type": "application/json", "x-project-uid": "5e5e5e5e5e5e5e5e5e5e5e5e", "x-cs-personalize-user-uid": userId, "x-cs-eclipse-user-uid": userId },
          body,
        }),
        encodeJson({ sources: kind === "attributes" ? { plan: "row:plan", lifetime_value: "row:ltv" } : ["row:order"], eventIds: [inboundId] }),
        installationUid,
      );
      insertAttempt.run(
        outboundId, installationUid, 1, createdAt + 200, latencyMs, httpStatus,
        failure ? '{"message":"Internal server error"}' : "", failure?.error ?? null,
      );
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { installationUid, rows, userIds, eventNames: EVENT_NAMES, newestAt };
}
