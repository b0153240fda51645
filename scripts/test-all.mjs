#!/usr/bin/env node
/**
 * `npm test`: builds the UI, runs every Vitest suite (the heavy multi-process ones last, one at a time) and every
 * Playwright scenario, whatever failed before, and ends with one line, `N passed, N failed`, summed over both
 * runners. Above it, every failure is listed under the runner it came from. Exits non-zero when anything failed or
 * a runner could not report.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { relative } from "node:path";

// Not Playwright's test-results/, which it empties when it starts.
const reports = ".tmp/test-reports";
mkdirSync(reports, { recursive: true });

function run(command, args, env = {}) {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  return spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;
}

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

/** One entry per runner: its counts and the names of what failed, or why it could not report. */
const runners = [];

if (run("npx", ["vite", "build", "--logLevel", "warn"]) !== 0) {
  runners.push({ name: "vite build", passed: 0, failed: 1, failures: ["the UI build failed (the Playwright scenarios below run against a stale or missing build)"] });
}

// Written by server/testing/postgres-suite.ts when PostgreSQL tests were skipped (never in CI, where they fail instead).
const postgresSkipped = `${reports}/postgres-skipped.txt`;
rmSync(postgresSkipped, { force: true });

// Suites that run several server processes and push the 2 cores hard (crashes, scale-out, hostile load) run one
// file at a time after the rest, so that they never starve each other into timeouts.
const heavySuites = ["server/scale-out.test.ts", "server/hostile/hostile.test.ts", "server/delivery/delivery.test.ts"];
const vitestRuns = [
  { name: "vitest", args: heavySuites.flatMap((file) => ["--exclude", file]) },
  { name: "vitest (multi-process suites)", file: "vitest-heavy", args: [...heavySuites, "--no-file-parallelism"] },
];
for (const { name, file = name, args } of vitestRuns) {
  const json = `${reports}/${file}.json`;
  rmSync(json, { force: true });
  const status = run("npx", ["vitest", "run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${json}`]);
  const report = readJson(json);
  if (!report) {
    runners.push({ name, passed: 0, failed: 1, failures: [`vitest wrote no report (exit ${status})`] });
    continue;
  }
  const failures = [];
  for (const suite of report.testResults) {
    const file = relative(process.cwd(), suite.name);
    const failedTests = suite.assertionResults.filter((test) => test.status === "failed");
    for (const test of failedTests) failures.push([file, ...test.ancestorTitles, test.title].join(" › "));
    // A file that failed outside any test (an import error, a failing hook) has no failed test to name.
    if (suite.status === "failed" && failedTests.length === 0) failures.push(`${file}: ${(suite.message || "failed").split("\n")[0]}`);
  }
  runners.push({ name, passed: report.numPassedTests, failed: Math.max(report.numFailedTests, failures.length), failures });
}

const playwrightJson = `${reports}/playwright.json`;
rmSync(playwrightJson, { force: true });
const playwrightStatus = run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
const playwright = readJson(playwrightJson);
if (playwright) {
  const failures = [];
  const visit = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        if (test.status === "unexpected") failures.push(`${spec.file} › ${[...titles, spec.title].join(" › ")}`);
      }
    }
    for (const child of suite.suites ?? []) visit(child, [...titles, child.title]);
  };
  for (const file of playwright.suites) visit(file, []);
  for (const error of playwright.errors ?? []) failures.push(`run error: ${(error.message ?? "").split("\n")[0]}`);
  runners.push({
    name: "playwright",
    passed: playwright.stats.expected + playwright.stats.flaky,
    failed: playwright.stats.unexpected + (playwright.errors?.length ?? 0),
    failures,
  });
} else {
  runners.push({ name: "playwright", passed: 0, failed: 1, failures: [`playwright wrote no report (exit ${playwrightStatus})`] });
}

console.log("\nBy runner:");
for (const runner of runners) {
  console.log(`  ${runner.name}: ${runner.passed} passed, ${runner.failed} failed`);
  for (const failure of runner.failures) console.log(`    ✘ ${failure}`);
}
if (existsSync(postgresSkipped)) console.log(`\n${readFileSync(postgresSkipped, "utf8").trimEnd()}`);
const passed = runners.reduce((sum, runner) => sum + runner.passed, 0);
const failed = runners.reduce((sum, runner) => sum + runner.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
