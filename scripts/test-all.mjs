#!/usr/bin/env node
/**
 * `npm test`: builds the UI, runs every Vitest suite (the heavy multi-process ones last, one at a time) and every
 * Playwright scenario, and ends with one line,
 * `N passed, N failed`, summed over both runners. Exits non-zero when anything failed or a runner crashed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";

const results = "test-results";
mkdirSync(results, { recursive: true });

function run(command, args, env = {}) {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  return spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } }).status ?? 1;
}

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

let passed = 0;
let failed = 0;
let crashed = false;

if (run("npx", ["vite", "build", "--logLevel", "warn"]) !== 0) {
  console.error("UI build failed");
  crashed = true;
}

// Written by server/testing/postgres-suite.ts when PostgreSQL tests were skipped (never in CI, where they fail instead).
const postgresSkipped = `${results}/postgres-skipped.txt`;
rmSync(postgresSkipped, { force: true });

// Suites that run several server processes and push the 2 cores hard (crashes, scale-out, hostile load) run one
// file at a time after the rest, so that they never starve each other into timeouts.
const heavySuites = ["server/scale-out.test.ts", "server/hostile/hostile.test.ts", "server/delivery/delivery.test.ts"];
const vitestRuns = [
  { name: "vitest", args: heavySuites.flatMap((file) => ["--exclude", file]) },
  { name: "vitest-heavy", args: [...heavySuites, "--no-file-parallelism"] },
];
for (const { name, args } of vitestRuns) {
  const vitestJson = `${results}/${name}.json`;
  rmSync(vitestJson, { force: true });
  const vitestStatus = run("npx", ["vitest", "run", ...args, "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
  const vitest = readJson(vitestJson);
  if (vitest) {
    passed += vitest.numPassedTests;
    failed += vitest.numFailedTests;
    if (vitest.numFailedTestSuites > 0 && vitest.numFailedTests === 0) failed += vitest.numFailedTestSuites;
  } else if (vitestStatus !== 0) crashed = true;
}

const playwrightJson = `${results}/playwright.json`;
rmSync(playwrightJson, { force: true });
const playwrightStatus = crashed
  ? 1
  : run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
const playwright = readJson(playwrightJson);
if (playwright) {
  passed += playwright.stats.expected + playwright.stats.flaky;
  failed += playwright.stats.unexpected;
  if (playwright.errors?.length && playwright.stats.unexpected === 0) failed += playwright.errors.length;
} else if (playwrightStatus !== 0) crashed = true;

if (existsSync(postgresSkipped)) console.log(`\n${readFileSync(postgresSkipped, "utf8").trimEnd()}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || crashed ? 1 : 0);
