/**
 * The ingest load: posts pre-built /v1/batch bodies over a fixed number of keep-alive connections, each sending its
 * next batch as soon as the previous one is acknowledged, and times every request (the ack latency a Segment
 * client sees). Anything but 200 stops the benchmark: a rejected batch would make every figure meaningless.
 */
import { Pool } from "undici";

export const INGEST_CONNECTIONS = 8;

/**
 * Server settings for a benchmark in which one installation sends a whole stream as fast as it can: what is
 * measured is the pipeline's throughput, not the per-installation ingest quotas (which answer 429 past a 40,000-event
 * burst), so they are lifted.
 */
export const LIFTED_INGEST_QUOTAS = {
  INGEST_EVENTS_PER_SECOND_PER_INSTALLATION: "10000000",
  INGEST_BURST_EVENTS_PER_INSTALLATION: "10000000",
  INGEST_MAX_BACKLOG_PER_INSTALLATION: "10000000",
  INGEST_MAX_BACKLOG: "10000000",
};
export const EVENTS_PER_BATCH = 250;

export interface IngestRun {
  /** performance.now() when the first request went out. */
  startedAt: number;
  /** From the first request out to the last acknowledgement in. */
  elapsedMs: number;
  latenciesMs: number[];
}

export async function postBatches(baseUrl: string, bodies: string[], writeKey: string): Promise<IngestRun> {
  const pool = new Pool(baseUrl, { connections: INGEST_CONNECTIONS, pipelining: 1 });
  const headers = {
    "content-type": "application/json",
    authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`,
  };
  const latenciesMs: number[] = [];
  let next = 0;
  const connection = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const sent = performance.now();
      const response = await pool.request({ path: "/v1/batch", method: "POST", headers, body });
      const text = await response.body.text();
      latenciesMs.push(performance.now() - sent);
      if (response.statusCode !== 200) throw new Error(`/v1/batch answered ${response.statusCode}: ${text.slice(0, 300)}`);
    }
  };
  const startedAt = performance.now();
  try {
    await Promise.all(Array.from({ length: INGEST_CONNECTIONS }, connection));
  } finally {
    await pool.close();
  }
  return { startedAt, elapsedMs: performance.now() - startedAt, latenciesMs };
}

/** The p-th percentile (nearest rank) of the values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
