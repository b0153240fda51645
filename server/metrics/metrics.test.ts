import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { MAPPED_CONFIGURATION, sendEvents, settled } from "../sync-log/test-support.ts";

const TOKEN = "metrics-token-0123456789";
let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack({ env: { METRICS_TOKEN: TOKEN, DELIVERY_RETRY_BASE_MS: "10" } });
  installation = await stack.install({ configuration: MAPPED_CONFIGURATION });
  // One 503 first: a scheduled retry, then delivery.
  stack.personalize.addFault({ kind: "status", status: 503, userUid: "m-retry", times: 1 });
  await sendEvents(stack, installation, [
    { type: "identify", userId: "m-alice", messageId: "m-1", traits: { plan: "pro" } },
    { type: "identify", userId: "m-retry", messageId: "m-2", traits: { plan: "team" } },
    { type: "track", userId: "m-alice", messageId: "m-3", event: "Order Completed" },
  ]);
  await settled(installation);
});
afterAll(() => stack.close());

async function scrape(): Promise<ParsedFamily[]> {
  const response = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await response.text());
}

const family = (families: ParsedFamily[], name: string) => {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found;
};
const total = (f: ParsedFamily, labels: Record<string, string> = {}) =>
  f.metrics
    .filter((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value))
    .reduce((sum, m) => sum + Number(m.value ?? m.count), 0);

describe("GET /metrics", () => {
  it("refuses a scrape without the token, or with a wrong one", async () => {
    expect((await fetch(`${stack.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${stack.url}/metrics`, { headers: { authorization: "Bearer not-the-token-at-all" } });
    expect(wrong.status).toBe(401);
  });

  it("parses as Prometheus text with ingest, delivery, retries, latency, queue and stream metrics", async () => {
    const families = await scrape();
    expect(total(family(families, "segment_sync_ingested_events_total"))).toBe(3);
    expect(total(family(families, "segment_sync_ingest_requests_total"), { route: "/v1/batch", status_class: "2xx" })).toBe(1);
    const attempts = family(families, "segment_sync_delivery_attempts_total");
    expect(attempts.type).toBe("COUNTER");
    expect(total(attempts, { direction: "personalize", outcome: "pending_retry", trigger: "scheduled" })).toBe(1);
    expect(total(attempts, { direction: "personalize", outcome: "delivered" })).toBeGreaterThanOrEqual(2);
    expect(total(family(families, "segment_sync_retries_total"), { kind: "scheduled" })).toBe(1);

    const latency = family(families, "segment_sync_delivery_latency_seconds");
    expect(latency.type).toBe("HISTOGRAM");
    // The parser folds a histogram's label sets into one; only Personalize requests were made here.
    const [folded] = latency.metrics;
    expect(Number(folded.buckets!["+Inf"])).toBe(total(attempts, { direction: "personalize" }));
    expect(Number(folded.buckets!["0.005"])).toBeLessThanOrEqual(Number(folded.buckets!["+Inf"]));
    expect(family(families, "segment_sync_ingest_request_duration_seconds").type).toBe("HISTOGRAM");

    expect(total(family(families, "segment_sync_queue_depth"))).toBe(0);
    expect(total(family(families, "segment_sync_queue_oldest_unplanned_age_seconds"))).toBe(0);
    expect(family(families, "segment_sync_log_streams_open").type).toBe("GAUGE");
  });

  it("carries no installation, user or message id in any label", async () => {
    const families = await scrape();
    const labelValues = families.flatMap((f) => f.metrics.flatMap((m) => Object.values(m.labels ?? {})));
    for (const secret of [installation.uid, "m-alice", "m-retry", "m-1"]) {
      expect(labelValues.some((value) => value.includes(secret))).toBe(false);
    }
  });

  it("does not exist without METRICS_TOKEN", async () => {
    const plain = await startTestStack();
    try {
      expect((await fetch(`${plain.url}/metrics`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
