/**
 * The hostile run as one JSON object (the figures, each target met or not) and as tables for a person: the summary,
 * then the details behind it (refusal checks, bad input per endpoint, the fault matrix and Retry-After spacing,
 * the kills, and the load over time).
 */
import { availableParallelism } from "node:os";
import { OVERLOAD_MAX_BACKLOG } from "./load-soak.ts";
import type { HostileResults } from "./run-hostile.ts";

export interface Target {
  name: string;
  met: boolean;
}

export function summarize(results: HostileResults) {
  const { intruders, faults, crash, load, tenants } = results;
  const bad = intruders.badInput;
  const verdicts = [faults.verdict, crash.verdict, load.steady.verdict, load.overload.verdict];
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const steadySamples = load.steady.samples;
  // RSS saw-tooths with garbage collection; a leak shows as a rising floor. The first third is warm-up.
  const third = Math.floor(steadySamples.length / 3);
  const floor = (samples: typeof steadySamples) => Math.min(...samples.map((sample) => sample.rssMb));
  const middleFloor = floor(steadySamples.slice(third, 2 * third));
  const summary = {
    size: results.size,
    duration_s: round(results.durationSeconds),
    inputs_tried: bad.inputsTried,
    bad_input_5xx: bad.fiveXx,
    bad_input_not_refused: bad.failures.length,
    bad_input_replays_absorbed: bad.replaysAbsorbed,
    bad_input_stored_changes: bad.storedChanges.length,
    bad_input_outbound_calls: bad.personalizeCalls + bad.canaryHits,
    crashes: intruders.crashes + faults.crashes + crash.crashes + load.crashes + tenants.crashes,
    events_acked: sum(verdicts.map((v) => v.acked)),
    events_lost: sum(verdicts.map((v) => v.lost.length)),
    duplicates: sum(verdicts.map((v) => v.duplicates)),
    duplicates_after_kills: crash.verdict.duplicates,
    deduplicated_at_ingest: sum(verdicts.map((v) => v.deduplicatedAtIngest)),
    order_violations: sum(verdicts.map((v) => v.orderViolations)),
    failed_rows: sum(verdicts.map((v) => v.failedRows)),
    faults_survived: faults.faultsSurvived,
    retry_after_measured: sum(faults.retryAfter.map((r) => r.measured)),
    retry_after_violations: sum(faults.retryAfter.map((r) => r.violations)),
    kills_survived: crash.kills,
    refusals_checked: intruders.checks.length,
    refusals_failed: intruders.checks.filter((check) => check.problem !== null).length,
    log_bytes_scanned: sum([intruders, faults, crash, load].map((s) => s.logScan.bytes)),
    secrets_in_logs: sum([intruders, faults, crash, load].map((s) => s.logScan.leaks.length)),
    load_events: load.steady.events,
    load_ack_p50_ms: round(load.steady.ackP50Ms),
    load_ack_p95_ms: round(load.steady.ackP95Ms),
    load_ack_p99_ms: round(load.steady.ackP99Ms),
    load_backlog_peak: load.steady.undeliveredPeak,
    load_machine_load_avg: [round(load.steady.machineLoad.start), round(load.steady.machineLoad.end)],
    cores: availableParallelism(),
    rss_start_mb: round(load.steady.rssStartMb),
    rss_end_mb: round(load.steady.rssEndMb),
    rss_peak_mb: round(load.steady.rssPeakMb),
    rss_floor_growth_mb: third > 0 ? round(floor(steadySamples.slice(2 * third)) - middleFloor) : 0,
    overload_statuses: load.overload.statuses,
    overload_pushed_back: load.overload.pushedBack,
    overload_ack_p99_ms: round(load.overload.ackP99Ms),
    overload_backlog_peak: load.overload.undeliveredPeak,
    backpressure_engaged: load.overload.engaged && load.overload.bounded,
    tenants: tenants.tenants,
    cross_tenant_effects: tenants.cross_tenant_effects,
    noisy_neighbour_503s: tenants.noisy_neighbour_503s,
    noisy_neighbour_ack_p99_ratio: tenants.noisy_neighbour_ack_p99_ratio,
    noisy_neighbour_ack_p99_ms: tenants.noisy_neighbour_ack_p99_ms,
    healthz_p99_ms_under_abuse: tenants.healthz_p99_ms_under_abuse,
    healthz_p99_ms_by_abuse: tenants.healthz_p99_ms_by_abuse,
    rss_peak_mb_under_abuse: tenants.rss_peak_mb_under_abuse,
    rows_written_by_unauthenticated_requests: tenants.rows_written_by_unauthenticated_requests,
    rejected_rows_per_10k_invalid_events: tenants.rejected_rows_per_10k_invalid_events,
    forged_batch_elements_accepted: tenants.forged_batch_elements_accepted,
    write_key_takeovers: tenants.write_key_takeovers,
    lifecycle_replays_accepted_after_restart: tenants.lifecycle_replays_accepted_after_restart,
    tenant_checks_failed: tenants.checks.filter((check) => check.problem !== null).length,
  };
  // Memory is judged on the full run only: a few seconds of load are all warm-up.
  const memoryFlat = results.size === "quick" || summary.rss_floor_growth_mb <= Math.max(20, 0.1 * middleFloor);
  const targets: Target[] = [
    { name: "at least 300 hostile inputs tried", met: summary.inputs_tried >= 300 },
    { name: "no 5xx on bad input", met: summary.bad_input_5xx === 0 },
    { name: "every bad input refused with a 4xx and a message (replays absorbed)", met: summary.bad_input_not_refused === 0 },
    { name: "bad input changed no stored data and called nothing out", met: summary.bad_input_stored_changes + summary.bad_input_outbound_calls === 0 },
    { name: "no crash", met: summary.crashes === 0 },
    { name: "no accepted event lost", met: summary.events_lost === 0 && summary.failed_rows === 0 },
    { name: "per-user order held", met: summary.order_violations === 0 },
    { name: "Retry-After honoured", met: summary.retry_after_violations === 0 && summary.retry_after_measured > 0 },
    { name: "every refusal refused", met: summary.refusals_failed === 0 },
    { name: "no secret in any log line", met: summary.secrets_in_logs === 0 },
    { name: "memory flat under steady load", met: memoryFlat },
    {
      name: "backpressure (429/503 + Retry-After) bounds the backlog when Personalize is slow",
      met: summary.backpressure_engaged,
    },
    { name: "many tenants: every attack of issue 12 refused", met: summary.tenant_checks_failed === 0 },
    { name: "no cross-tenant effect", met: summary.cross_tenant_effects === 0 },
    { name: "no 429/503 for a quiet tenant while another floods at 5× its quota", met: summary.noisy_neighbour_503s === 0 },
    { name: "quiet tenant's ack p99 during the flood ≤ 2 × before", met: summary.noisy_neighbour_ack_p99_ratio <= 2 },
    { name: "/healthz p99 ≤ 50 ms under abuse", met: summary.healthz_p99_ms_under_abuse <= 50 },
    { name: "RSS peak ≤ 400 MB under abuse", met: summary.rss_peak_mb_under_abuse <= 400 },
    { name: "no row written by unauthenticated requests", met: summary.rows_written_by_unauthenticated_requests === 0 },
    { name: "≤ 100 rejected rows per 10k invalid events", met: summary.rejected_rows_per_10k_invalid_events <= 100 },
    { name: "no forged batch element accepted", met: summary.forged_batch_elements_accepted === 0 },
    { name: "no write-key takeover", met: summary.write_key_takeovers === 0 },
    { name: "no lifecycle replay accepted after a restart", met: summary.lifecycle_replays_accepted_after_restart === 0 },
  ];
  return { ...summary, targets_met: targets.every((t) => t.met), targets };
}

export type HostileSummary = ReturnType<typeof summarize>;

export function formatReport(results: HostileResults, summary: HostileSummary): string {
  const { intruders, faults, crash, load, tenants } = results;
  const n = (value: number) => value.toLocaleString("en-US");
  const mark = (ok: boolean) => (ok ? "✓" : "✗");
  const sections = [
    table(`Hostile run (${summary.size}, ${n(Math.round(summary.duration_s))} s)`, ["metric", "value"], [
      ["inputs tried (bad input)", n(summary.inputs_tried)],
      ["5xx on bad input", n(summary.bad_input_5xx)],
      ["bad inputs not refused", n(summary.bad_input_not_refused)],
      ["stored data changed by bad input", summary.bad_input_stored_changes ? intruders.badInput.storedChanges.join("; ") : "none"],
      ["crashes", n(summary.crashes)],
      ["faults survived", `${n(summary.faults_survived)} (30% of attribute requests, ${Object.keys(faults.injected).length} kinds)`],
      ["kills survived (SIGKILL + restart)", `${summary.kills_survived} during ${n(crash.verdict.acked)} acked events`],
      ["events acked / lost", `${n(summary.events_acked)} / ${n(summary.events_lost)}`],
      ["duplicates delivered (after kills)", `${n(summary.duplicates)} (${n(summary.duplicates_after_kills)})`],
      ["resends de-duplicated at ingest", n(summary.deduplicated_at_ingest)],
      ["per-user order violations", n(summary.order_violations)],
      ["Retry-After violations", `${summary.retry_after_violations} of ${summary.retry_after_measured} measured`],
      ["refusals failed", `${summary.refusals_failed} of ${summary.refusals_checked}`],
      ["secrets in logs", `${summary.secrets_in_logs} (${n(summary.log_bytes_scanned)} bytes at debug level)`],
      ["load: ack p50 / p95 / p99", `${summary.load_ack_p50_ms} / ${summary.load_ack_p95_ms} / ${summary.load_ack_p99_ms} ms over ${n(summary.load_events)} events`],
      ["load: RSS start → end (peak)", `${summary.rss_start_mb} → ${summary.rss_end_mb} MB (${summary.rss_peak_mb})`],
      ["load: RSS floor, last third vs middle third", `${summary.rss_floor_growth_mb >= 0 ? "+" : ""}${summary.rss_floor_growth_mb} MB`],
      ["load: machine load average", `${summary.load_machine_load_avg.join(" → ")} on ${summary.cores} cores`],
      ["overload: answers", Object.entries(summary.overload_statuses).map(([status, count]) => `${status}×${n(count)}`).join(" ")],
      ["overload: undelivered backlog peak", `${n(summary.overload_backlog_peak)} (INGEST_MAX_BACKLOG ${n(OVERLOAD_MAX_BACKLOG)})`],
    ]),
    table(`Many tenants (${summary.tenants} installations on one server)`, ["metric", "value"], [
      ["cross_tenant_effects", n(summary.cross_tenant_effects)],
      ["noisy_neighbour_503s", n(summary.noisy_neighbour_503s)],
      [
        "noisy_neighbour_ack_p99_ratio",
        `${summary.noisy_neighbour_ack_p99_ratio} (${summary.noisy_neighbour_ack_p99_ms.during} ms during ÷ ${summary.noisy_neighbour_ack_p99_ms.before} ms before)`,
      ],
      ["healthz_p99_ms_under_abuse", `${summary.healthz_p99_ms_under_abuse} ms (${Object.entries(tenants.healthz_p99_ms_by_abuse).map(([phase, ms]) => `${phase} ${ms}`).join(", ")})`],
      ["rss_peak_mb_under_abuse", `${summary.rss_peak_mb_under_abuse} MB`],
      ["rows_written_by_unauthenticated_requests", n(summary.rows_written_by_unauthenticated_requests)],
      ["rejected_rows_per_10k_invalid_events", n(summary.rejected_rows_per_10k_invalid_events)],
      ["forged_batch_elements_accepted", n(summary.forged_batch_elements_accepted)],
      ["write_key_takeovers", n(summary.write_key_takeovers)],
      ["lifecycle_replays_accepted_after_restart", n(summary.lifecycle_replays_accepted_after_restart)],
    ]),
    table("Many-tenant attacks (issue 12, by item)", ["#", "attack", ""], tenants.checks.map((check) => [String(check.item), `${mark(check.problem === null)} ${check.name}`, check.problem ?? ""])),
    table("Targets", ["target", ""], summary.targets.map((t) => [`${mark(t.met)} ${t.name}`, t.met ? "" : "MISSED"])),
    table("Refusal checks", ["check", ""], intruders.checks.map((check) => [`${mark(check.problem === null)} ${check.name}`, check.problem ?? ""])),
    table("Bad input per endpoint", ["endpoint", "inputs"], Object.entries(intruders.badInput.byEndpoint).map(([endpoint, count]) => [endpoint, n(count)])),
    table("Bad input per family", ["family", "inputs"], Object.entries(intruders.badInput.byFamily).map(([family, count]) => [family, n(count)])),
    table("Bad input answers", ["status", "count"], Object.entries(intruders.badInput.statuses).map(([status, count]) => [status, n(count)])),
    table("Fault matrix (then healthy; drained in " + round(faults.drainSeconds) + " s)", ["fault", "injected"], Object.entries(faults.injected).map(([fault, count]) => [fault, n(count)])),
    table("Retry-After spacing (429 → next attempt of the same user)", ["form", "measured", "shortest gap", "it required", "too soon"], faults.retryAfter.map((r) => [r.format, n(r.measured), `${r.minGapMs ?? "–"} ms`, `${r.minRequiredMs ?? "–"} ms`, n(r.violations)])),
    table("Kills", ["#", "at", "restart took"], crash.killedAtSeconds.map((at, i) => [String(i + 1), `${round(at)} s`, `${round(crash.restartSeconds[i])} s`])),
    table("Load over time", ["second", "acks", "ack p99", "queued", "undelivered", "RSS", "/healthz"], everyNth(load.steady.samples, 20).map(sampleRow)),
    table(`Over capacity (slowed Personalize, INGEST_MAX_BACKLOG ${n(OVERLOAD_MAX_BACKLOG)})`, ["second", "acks", "ack p99", "queued", "undelivered", "RSS", "/healthz"], load.overload.samples.map(sampleRow)),
  ];
  if (intruders.badInput.failures.length) {
    sections.push(table("Bad inputs not refused", ["endpoint", "input", "status", "problem"], intruders.badInput.failures.slice(0, 40).map((f) => [f.endpoint, f.label, String(f.status), f.problem])));
  }
  return sections.join("\n\n");
}

function sampleRow(sample: HostileResults["load"]["steady"]["samples"][number]): string[] {
  return [
    String(sample.second),
    String(sample.requests),
    sample.ackP99Ms === null ? "–" : `${Math.round(sample.ackP99Ms)} ms`,
    String(sample.queued),
    String(sample.undelivered),
    `${Math.round(sample.rssMb)} MB`,
    `${Math.round(sample.healthzMs)} ms`,
  ];
}

/** About `count` rows spread evenly, always with the last. */
function everyNth<T>(rows: T[], count: number): T[] {
  const step = Math.max(1, Math.floor(rows.length / count));
  return rows.filter((_, i) => i % step === 0 || i === rows.length - 1);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function table(title: string, header: string[], rows: string[][]): string {
  const lines = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column]?.length ?? 0)));
  const format = (line: string[]) => line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ").trimEnd();
  return [title, format(header), widths.map((width) => "─".repeat(width)).join("  "), ...rows.map(format)].join("\n");
}
