/**
 * The bad-input scenario: every hand-picked and generated hostile input against a live server process. Each must be
 * answered 4xx with a JSON message (a replay: absorbed, 2xx with no effect), none may get a 5xx, crash the process,
 * echo a secret, call out to Personalize or the SSRF canary, or change stored data. Refusal and replay audit rows
 * (inbound `rejected`, `deduplicated`) are expected in the log and are not counted as changes.
 */
import { Agent } from "undici";
import type { ProcessStack } from "../testing/process-stack.ts";
import { buildCorpus } from "./bad-input-corpus.ts";
import { generateHostileInputs } from "./bad-input-generator.ts";
import type { Canary } from "./canary.ts";
import type { CorpusContext } from "./corpus-context.ts";
import { waitForDrain } from "./drain.ts";
import { findLeaks } from "./secret-leaks.ts";
import { sendHostileRequest, type HostileRequest, type HostileResponse } from "./hostile-request.ts";
import { changedTables, snapshotStoredState } from "./stored-state.ts";

export interface BadInputOptions {
  generated: number;
  seed: number;
}

export interface BadInputFailure {
  endpoint: string;
  label: string;
  status: number | null;
  problem: string;
  body: string;
}

export interface BadInputResult {
  inputsTried: number;
  byEndpoint: Record<string, number>;
  byFamily: Record<string, number>;
  /** Status code → count, over every input. */
  statuses: Record<string, number>;
  replaysAbsorbed: number;
  fiveXx: number;
  crashes: number;
  failures: BadInputFailure[];
  /** Tables whose content changed, with row counts. */
  storedChanges: string[];
  personalizeCalls: number;
  canaryHits: number;
}

export async function runBadInput(stack: ProcessStack, ctx: CorpusContext, canary: Canary, options: BadInputOptions): Promise<BadInputResult> {
  const inputs = [...buildCorpus(ctx), ...generateHostileInputs(ctx, options.generated, options.seed)];
  const store = await stack.openStore();
  try {
    if (!(await waitForDrain(store, [ctx.target.uid, ctx.other.uid], 30_000))) throw new Error("the setup events were not delivered");
  } finally {
    await store.close();
  }
  const before = snapshotStoredState(stack.databasePath);
  const personalizeBefore = stack.personalize.stats().requests;
  const canaryBefore = canary.hits();
  const crashesBefore = stack.crashes();

  const agent = new Agent({ connections: 4 });
  const result: BadInputResult = {
    inputsTried: inputs.length,
    byEndpoint: {},
    byFamily: {},
    statuses: {},
    replaysAbsorbed: 0,
    fiveXx: 0,
    crashes: 0,
    failures: [],
    storedChanges: [],
    personalizeCalls: 0,
    canaryHits: 0,
  };
  try {
    for (const input of inputs) {
      const response = await sendHostileRequest(stack.url, input, agent);
      count(result.byEndpoint, input.endpoint);
      count(result.byFamily, input.family);
      count(result.statuses, String(response.status ?? "none"));
      if (response.status !== null && response.status >= 500) result.fiveXx += 1;
      const problem = judge(input, response, ctx.secrets);
      if (problem) {
        result.failures.push({ endpoint: input.endpoint, label: input.label, status: response.status, problem, body: response.body.slice(0, 300) });
      } else if (input.expect === "absorb") result.replaysAbsorbed += 1;
      if (!alive(stack)) {
        result.failures.push({ endpoint: input.endpoint, label: input.label, status: response.status, problem: "the server process died", body: "" });
        await stack.restart();
      }
    }
  } finally {
    await agent.close();
  }
  // Anything a refused input queued by mistake is planned and sent before the queue drains, and then shows below.
  const after = await stack.openStore();
  try {
    if (!(await waitForDrain(after, [ctx.target.uid, ctx.other.uid], 30_000))) throw new Error("the queue did not drain after the bad input");
  } finally {
    await after.close();
  }
  result.crashes = stack.crashes() - crashesBefore;
  result.storedChanges = changedTables(before, snapshotStoredState(stack.databasePath));
  result.personalizeCalls = stack.personalize.stats().requests - personalizeBefore;
  result.canaryHits = canary.hits() - canaryBefore;
  return result;
}

function judge(input: HostileRequest, response: HostileResponse, secrets: string[]): string | null {
  const { status, body } = response;
  if (status === null) return `no HTTP answer (${body})`;
  const leaks = findLeaks(body, secrets);
  if (leaks.length) return `the response echoes secrets ${leaks.join(", ")}`;
  if (input.expect === "absorb") return status < 300 || (status >= 400 && status < 500) ? null : `a replay was answered ${status}`;
  if (status < 400 || status >= 500) return `expected a 4xx, got ${status}`;
  return hasMessage(body) ? null : "the 4xx has no JSON message";
}

function hasMessage(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === "string" && parsed.message.trim().length > 0;
  } catch {
    return false;
  }
}

function alive(stack: ProcessStack): boolean {
  const { child } = stack.server;
  return child.exitCode === null && child.signalCode === null;
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
