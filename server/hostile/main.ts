/**
 * `npm run test:hostile [-- --quick] [-- --json]`: the hostile run (bad input and intruders, faults, crashes, load)
 * with its report tables, or with `--json` one JSON object and nothing else on stdout. Exits non-zero when a target
 * is missed.
 */
import { runCompiledServer } from "../testing/server-process.ts";
import { formatReport, summarize } from "./report.ts";
import { FULL, QUICK, runHostile } from "./run-hostile.ts";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  await runCompiledServer();
  const results = await runHostile(args.includes("--quick") ? QUICK : FULL, (message) => console.error(`— ${message}`));
  const summary = summarize(results);
  console.log(args.includes("--json") ? JSON.stringify(summary) : formatReport(results, summary));
  process.exit(summary.targets_met ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
