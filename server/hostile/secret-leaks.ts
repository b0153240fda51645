/** Finding known secrets in text: response bodies, and every log line a server process printed. */
import type { ProcessStack } from "../testing/process-stack.ts";

export interface LogScan {
  bytes: number;
  /** The secrets found, by their last 4 characters. */
  leaks: string[];
}

/** Which of `secrets` appear in `text`, each shown by its last 4 characters. */
export function findLeaks(text: string, secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter((secret) => secret.length >= 8 && text.includes(secret)).map((secret) => `…${secret.slice(-4)}`);
}

/** Everything the stack's server processes printed, searched for every secret the stack handed out. */
export function scanLogs(stack: ProcessStack, extraSecrets: readonly string[] = []): LogScan {
  const output = stack.output();
  return { bytes: Buffer.byteLength(output), leaks: findLeaks(output, [...stack.knownSecrets(), ...extraSecrets]) };
}
