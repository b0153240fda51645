/** Helpers for the sync-log tests and benchmark: send Segment events, wait for delivery to settle, open the stream. */
import { eventually, type TestInstallation, type TestStack } from "../testing/harness.ts";
import type { LogSummary } from "./log-summary.ts";
import type { LogItem } from "./log-view.ts";
import { connectEventStream, type EventStreamClient } from "./sse-client.ts";

export const MAPPED_CONFIGURATION = {
  attributeMappings: [{ id: "plan", source: "traits.plan", attribute: "plan", type: "string" as const }],
  eventMappings: [{ id: "order", source: "track" as const, segmentEvent: "Order Completed", personalizeEvent: "order_completed" }],
};

export async function sendEvents(stack: TestStack, installation: TestInstallation, batch: object[]): Promise<void> {
  const response = await fetch(`${stack.url}/v1/batch`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Basic ${Buffer.from(`${installation.writeKey}:`).toString("base64")}`,
    },
    body: JSON.stringify({ batch }),
  });
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
}

export async function getJson<T>(installation: TestInstallation, path: string, init?: RequestInit): Promise<T> {
  const response = await installation.api(path, init);
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export async function listAll(installation: TestInstallation, query = ""): Promise<LogItem[]> {
  const page = await getJson<{ items: LogItem[]; nextCursor: number | null }>(installation, `/api/log?limit=200${query ? `&${query}` : ""}`);
  if (page.nextCursor !== null) throw new Error("more than 200 rows; page through them instead");
  return page.items;
}

/** Waits until no row of the installation is queued or being delivered. */
/** Waits until every accepted event is in the log and nothing is open, then lists the rows. */
/**
 * Waits until nothing is pending, and with `received` until that many events have been received: the summary's
 * staged count and its log counts are two reads, so an event moving from one to the other between them can make a
 * summary show nothing pending for an instant.
 */
export async function settled(installation: TestInstallation, timeoutMs = 30_000, received?: number): Promise<LogItem[]> {
  await eventually(
    async () => {
      const { funnel, requests } = await getJson<LogSummary>(installation, "/api/log/summary");
      return funnel.pending === 0 && requests.pending === 0 && (received === undefined || funnel.received === received);
    },
    timeoutMs,
    50,
  );
  return listAll(installation);
}

export async function openLogStream(stack: TestStack, installation: TestInstallation, query = ""): Promise<EventStreamClient> {
  const { token } = await getJson<{ token: string }>(installation, "/api/stream-token", { method: "POST" });
  const stream = await connectEventStream(`${stack.url}/api/log/stream?token=${encodeURIComponent(token)}${query ? `&${query}` : ""}`);
  if (stream.status !== 200) throw new Error(`stream answered ${stream.status}`);
  await stream.waitFor((event) => event.event === "ready");
  return stream;
}

export interface StreamRows {
  items: LogItem[];
  matching: number[];
}

export const rowsOf = (data: string) => JSON.parse(data) as StreamRows;
