/**
 * The sustained section: 200,000 events (100,000 identify-heavy, 100,000 track-heavy) through /v1/batch into our
 * pipeline, then the same streams through the bare relay, in one run; delivered events/s, CPU ms per event and
 * peak RSS of each system's own process. Where the comparison section shows a burst, this one shows what the
 * store sustains once its tables and queue are large.
 */
import { startFakeContentstack } from "../testing/harness.ts";
import { startBenchEmulator } from "./bench-emulator.ts";
import { prepareStreams, type SystemRun } from "./comparison.ts";
import { runPipeline } from "./pipeline-bench.ts";
import { runRelay } from "./relay-bench.ts";
import type { BenchOptions, SectionResult } from "./section.ts";
import { STREAM_KINDS } from "./workload.ts";

const EVENTS_PER_STREAM = 100_000;
const QUICK_EVENTS_PER_STREAM = 20_000;
const DELIVERY_TIMEOUT_MS = 900_000;

const totals = (run: SystemRun) => {
  const events = run.streams.reduce((sum, stream) => sum + stream.events, 0);
  const deliveredMs = run.streams.reduce((sum, stream) => sum + stream.deliveredMs, 0);
  const cpuMs = run.streams.reduce((sum, stream) => sum + stream.cpuMs, 0);
  return { eps: Math.round(events / (deliveredMs / 1000)), cpuMsPerEvent: Math.round((cpuMs / events) * 1000) / 1000 };
};

export async function runSustainedBench(options: BenchOptions): Promise<SectionResult> {
  const eventsPerStream = options.quick ? QUICK_EVENTS_PER_STREAM : EVENTS_PER_STREAM;
  const streams = prepareStreams(eventsPerStream);
  const personalize = await startBenchEmulator();
  const contentstack = await startFakeContentstack();
  try {
    options.log(`sustained (a) pipeline: ${STREAM_KINDS.length} × ${eventsPerStream} events…`);
    const pipeline = await runPipeline(personalize, contentstack, streams, DELIVERY_TIMEOUT_MS);
    options.log("sustained (c) bare relay…");
    const relay = await runRelay(personalize, streams, DELIVERY_TIMEOUT_MS);
    const ours = totals(pipeline);
    const theirs = totals(relay);
    const figures = {
      sustained_events: eventsPerStream * STREAM_KINDS.length,
      sustained_delivered_eps: ours.eps,
      sustained_relay_delivered_eps: theirs.eps,
      sustained_cpu_ms_per_event: ours.cpuMsPerEvent,
      sustained_relay_cpu_ms_per_event: theirs.cpuMsPerEvent,
      sustained_peak_rss_mb: Math.round(pipeline.peakRssMb),
    };
    const missed = [
      ...(figures.sustained_delivered_eps >= 0.5 * figures.sustained_relay_delivered_eps ? [] : ["sustained delivered ≥ 0.5 × relay"]),
      ...(figures.sustained_cpu_ms_per_event <= 2 * figures.sustained_relay_cpu_ms_per_event ? [] : ["sustained CPU ms/event ≤ 2 × relay"]),
      ...(figures.sustained_peak_rss_mb <= 250 ? [] : ["sustained peak RSS ≤ 250 MB"]),
    ];
    return { figures, missed };
  } finally {
    await personalize.close();
    await contentstack.close();
  }
}
