/**
 * The intruder scenario on one server process logging at debug level: the refusal checks, then the bad-input
 * corpus, then the checks that restart the server (rate limits, key rotation), and finally every line the process
 * printed searched for every secret it was given or issued.
 */
import { startProcessStack } from "../testing/process-stack.ts";
import { runBadInput, type BadInputOptions, type BadInputResult } from "./bad-input.ts";
import { startCanary } from "./canary.ts";
import { buildCorpusContext } from "./corpus-context.ts";
import { scanLogs, type LogScan } from "./secret-leaks.ts";
import { LIMIT_AND_KEY_CHECKS, REFUSAL_CHECKS, runChecks, type CheckResult } from "./security-checks.ts";

export interface IntruderResult {
  checks: CheckResult[];
  badInput: BadInputResult;
  logScan: LogScan;
  crashes: number;
}

export async function runIntruders(options: BadInputOptions): Promise<IntruderResult> {
  const canary = await startCanary();
  const stack = await startProcessStack({ env: { LOG_LEVEL: "debug" } });
  try {
    const ctx = await buildCorpusContext(stack, canary.url);
    const env = { stack, ctx, canary };
    const refusals = await runChecks(REFUSAL_CHECKS, env);
    const badInput = await runBadInput(stack, ctx, canary, options);
    const limits = await runChecks(LIMIT_AND_KEY_CHECKS, env);
    return {
      checks: [...refusals, ...limits],
      badInput,
      logScan: scanLogs(stack, [ctx.session, ...Object.values(ctx.tokens)]),
      crashes: stack.crashes(),
    };
  } finally {
    await stack.close();
    await canary.close();
  }
}
