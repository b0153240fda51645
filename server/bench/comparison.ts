/**
 * The throughput section: (a) our pipeline, (b) Segment's official Contentstack Cloud destination and (c) a bare
 * relay, one after the other on the same emulator and the same two streams (identify-heavy, track-heavy), each
 * system in its own process (one core each; the load and the emulator share the other). Returns the figures and
 * the side-by-side table with the targets.
 */
import { startFakeContentstack } from "../testing/harness.ts";
import { startBenchEmulator } from "./bench-emulator.ts";
import { OFFICIAL_CONCURRENCY, runOfficial } from "./official-bench.ts";
import { runPipeline } from "./pipeline-bench.ts";
import { runRelay } from "./relay-bench.ts";
import type { BenchOptions, SectionResult, SectionTable } from "./section.ts";
import { EVENTS_PER_BATCH, INGEST_CONNECTIONS, percentile, type IngestRun } from "./tracking-load.ts";
import { batchBodies, buildStream, STREAM_KINDS, USERS, type SegmentMessage, type StreamKind } from "./workload.ts";

export interface PreparedStream {
  kind: StreamKind;
  messages: SegmentMessage[];
  bodies: string[];
}

export interface StreamRun {
  kind: StreamKind;
  events: number;
  /** null for (b): Segment's destination receives events from Segment, not over our ingest. */
  ingest: IngestRun | null;
  /** From the first event offered to the last one delivered. */
  deliveredMs: number;
  edgeCalls: number;
  /** CPU time the system's own process spent on the stream: comparable even when other work shares the cores. */
  cpuMs: number;
}

export interface SystemRun {
  streams: StreamRun[];
  peakRssMb: number;
}

const DELIVERY_TIMEOUT_MS = 180_000;

/** One stream of each kind, `eventsPerStream` events each, already cut into /v1/batch bodies. */
export function prepareStreams(eventsPerStream: number): PreparedStream[] {
  return STREAM_KINDS.map((kind) => {
    const messages = buildStream(kind, eventsPerStream);
    return { kind, messages, bodies: batchBodies(messages, EVENTS_PER_BATCH) };
  });
}

export async function runComparison(options: BenchOptions): Promise<SectionResult> {
  const eventsPerStream = options.quick ? 10_000 : 30_000;
  const streams = prepareStreams(eventsPerStream);
  const personalize = await startBenchEmulator();
  const contentstack = await startFakeContentstack();
  try {
    options.log(`(a) pipeline: ${STREAM_KINDS.length} × ${eventsPerStream} events…`);
    const pipeline = await runPipeline(personalize, contentstack, streams, DELIVERY_TIMEOUT_MS);
    options.log(`(b) official destination, concurrency ${OFFICIAL_CONCURRENCY}…`);
    const official = await runOfficial(personalize, streams);
    options.log("(c) bare relay…");
    const relay = await runRelay(personalize, streams, DELIVERY_TIMEOUT_MS);
    const figures = {
      events_per_stream: eventsPerStream,
      ...systemFigures("", pipeline),
      ...systemFigures("official_", official),
      ...systemFigures("relay_", relay),
    };
    const missed = Object.entries(TARGETS).flatMap(([key, target]) => (target.met(figures) ? [] : [`${key}: ${target.text}`]));
    return { figures, table: comparisonTable(figures, eventsPerStream), missed };
  } finally {
    await personalize.close();
    await contentstack.close();
  }
}

function systemFigures(prefix: string, run: SystemRun): Record<string, number> {
  const events = run.streams.reduce((sum, stream) => sum + stream.events, 0);
  const ingests = run.streams.flatMap((stream) => (stream.ingest ? [stream.ingest] : []));
  const figures: Record<string, number> = {
    [`${prefix}delivered_eps`]: round(events / (run.streams.reduce((sum, s) => sum + s.deliveredMs, 0) / 1000)),
  };
  for (const stream of run.streams) {
    const suffix = stream.kind.replace("-", "_");
    figures[`${prefix}delivered_eps_${suffix}`] = round(stream.events / (stream.deliveredMs / 1000));
    figures[`${prefix}edge_calls_per_event_${suffix}`] = round(stream.edgeCalls / stream.events, 3);
  }
  if (ingests.length) {
    const latencies = ingests.flatMap((ingest) => ingest.latenciesMs);
    figures[`${prefix}accepted_eps`] = round(events / (ingests.reduce((sum, ingest) => sum + ingest.elapsedMs, 0) / 1000));
    figures[`${prefix}ack_p50_ms`] = round(percentile(latencies, 50), 1);
    figures[`${prefix}ack_p99_ms`] = round(percentile(latencies, 99), 1);
  }
  figures[`${prefix}cpu_ms_per_event`] = round(run.streams.reduce((sum, stream) => sum + stream.cpuMs, 0) / events, 3);
  figures[`${prefix}peak_rss_mb`] = round(run.peakRssMb);
  return figures;
}

function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The issues' targets, keyed by the figure each one is about (delivered and peak RSS: the storage issue's). */
const TARGETS: Record<string, { text: string; met(f: Record<string, number>): boolean }> = {
  accepted_eps: { text: "a ≥ 0.6 × c", met: (f) => f.accepted_eps >= 0.6 * f.relay_accepted_eps },
  delivered_eps: { text: "a ≥ 5 × b", met: (f) => f.delivered_eps >= 5 * f.official_delivered_eps },
  edge_calls_per_event_identify_heavy: { text: "a ≤ 0.3", met: (f) => f.edge_calls_per_event_identify_heavy <= 0.3 },
  peak_rss_mb: { text: "a ≤ 250", met: (f) => f.peak_rss_mb <= 250 },
};

function comparisonTable(f: Record<string, number>, eventsPerStream: number): SectionTable {
  const cell = (key: string) => (key in f ? f[key].toLocaleString("en-US") : "–");
  const row = (label: string, key: string) => {
    const target = TARGETS[key];
    return [label, cell(key), cell(`official_${key}`), cell(`relay_${key}`), target?.text ?? "", target ? (target.met(f) ? "PASS" : "FAIL") : ""];
  };
  return {
    title:
      `Segment → Personalize, ${eventsPerStream.toLocaleString("en-US")} events per stream, ${USERS.toLocaleString("en-US")} users; ` +
      `ingest: /v1/batch of ${EVENTS_PER_BATCH} events over ${INGEST_CONNECTIONS} connections; ` +
      `(b): onEvent per event, ${OFFICIAL_CONCURRENCY} in parallel`,
    header: ["figure", "(a) pipeline", "(b) official", "(c) relay", "target", ""],
    rows: [
      row("events/s accepted", "accepted_eps"),
      row("events/s delivered", "delivered_eps"),
      row("  identify-heavy", "delivered_eps_identify_heavy"),
      row("  track-heavy", "delivered_eps_track_heavy"),
      row("ack latency p50 ms", "ack_p50_ms"),
      row("ack latency p99 ms", "ack_p99_ms"),
      row("Edge calls/event, identify-heavy", "edge_calls_per_event_identify_heavy"),
      row("Edge calls/event, track-heavy", "edge_calls_per_event_track_heavy"),
      row("CPU ms per event (own process)", "cpu_ms_per_event"),
      row("peak RSS MB", "peak_rss_mb"),
    ],
  };
}
