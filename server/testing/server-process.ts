/**
 * The server as a separate OS process, for tests and benchmarks that kill it with SIGKILL, restart it on the same
 * database, run several of them, or sample its memory on its own. It runs from source (`tsx server/main.ts`)
 * unless this process chose the compiled server with `runCompiledServer()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { PROJECT_ROOT } from "../runtime.ts";
import { buildServerBundle } from "../server-bundle.ts";

export interface ServerProcess {
  url: string | null;
  child: ChildProcess;
  output(): string;
  /** Resident set size now and at its peak (VmHWM), in MB. */
  memory(): { rssMb: number; peakMb: number };
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

let compiledServer: string | null = null;

/**
 * From now on, every server this process spawns runs the compiled server, as production does, bundled here from
 * the current source so that it is never stale. The bench and the hostile run call it first: their memory and CPU
 * figures are the production server's. Tests run the source under tsx, with no build step.
 */
export async function runCompiledServer(): Promise<void> {
  compiledServer = await buildServerBundle();
}

export async function spawnServerProcess(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  const entry = compiledServer ? [compiledServer] : ["--import", "tsx", join(PROJECT_ROOT, "server/main.ts")];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string | null>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
      else if (/delivery worker started/.test(output)) resolve(null);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    memory: () => processMemory(child.pid!),
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resident set size of a live process now and at its peak (VmHWM), in MB, from Linux /proc. */
export function processMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/** CPU time (user + system, all threads) a live process has used so far, in ms, from Linux /proc. */
export function processCpuMs(pid: number): number {
  // utime and stime are fields 14 and 15, counted after the parenthesised command name, in clock ticks of 10 ms.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A TCP port that was free a moment ago, for a server that must keep its port across restarts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
