/**
 * `npm run bench [-- --json] [-- --quick]`: runs every section below in turn and prints their tables, or with
 * `--json` one JSON object of all their figures (plus `targets_met`) on one line and nothing else on stdout (npm's
 * own banner aside: `npm run -s bench -- --json`). A section is one import and one entry in `sections`.
 */
import { runCompiledServer } from "../testing/server-process.ts";
import { runComparison } from "./comparison.ts";
import { runInspectorBench } from "./inspector-bench.ts";
import { runPgScaleBench } from "./pg-scale-bench.ts";
import type { BenchSection, SectionResult, SectionTable } from "./section.ts";
import { runSustainedBench } from "./sustained-bench.ts";
import { runSyncLogBench } from "./sync-log-bench.ts";
import { runTwoWayBench } from "./two-way-bench.ts";

const sections: BenchSection[] = [
  { name: "pipeline vs official destination vs relay", run: runComparison },
  { name: "sustained: 200,000 events, pipeline vs relay", run: runSustainedBench },
  { name: "sync log (1,000,000 rows)", run: async () => ({ figures: { ...(await runSyncLogBench()) } }) },
  { name: "two-way sync", run: runTwoWayBench },
  { name: "scale-out: worker processes on PostgreSQL vs SQLite", run: runPgScaleBench },
  { name: "user inspector (1,000 rows of one user in 1,000,000)", run: runInspectorBench },
];

function formatTable(table: SectionTable): string {
  const lines = [table.header, ...table.rows];
  const widths = table.header.map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  const format = (line: string[]) =>
    line.map((text, column) => (column === 0 ? text.padEnd(widths[column]) : text.padStart(widths[column]))).join("  ").trimEnd();
  return [table.title, format(table.header), widths.map((width) => "─".repeat(width)).join("  "), ...table.rows.map(format)].join("\n");
}

function formatSection(section: BenchSection, result: SectionResult): string {
  const body = result.table
    ? formatTable(result.table)
    : [section.name, ...Object.entries(result.figures).map(([key, value]) => `  ${key} = ${value.toLocaleString("en-US")}`)].join("\n");
  const missed = result.missed?.length ? `\nmissed: ${result.missed.join("; ")}` : "";
  return body + missed;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const options = { quick: args.includes("--quick"), log: (message: string) => console.error(message) };
  await runCompiledServer();
  const figures: Record<string, number> = {};
  const printed: string[] = [];
  let targetsMet = true;
  for (const section of sections) {
    options.log(`— ${section.name}`);
    const result = await section.run(options);
    Object.assign(figures, result.figures);
    if (result.missed?.length) targetsMet = false;
    printed.push(formatSection(section, result));
  }
  if (json) console.log(JSON.stringify({ ...figures, targets_met: targetsMet }));
  else console.log(`\n${printed.join("\n\n")}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
