/**
 * A system under test in its own OS process (`node --import tsx <entry>`), so that, like the server, it has a core
 * to itself and its memory is measured alone. It speaks over IPC: its first message says it is ready, then every
 * message sent to it gets exactly one reply.
 */
import { fork, type ChildProcess } from "node:child_process";
import { processCpuMs, processMemory } from "../testing/server-process.ts";

export interface BenchProcess<Ready> {
  ready: Ready;
  request<Reply>(message: unknown): Promise<Reply>;
  /** Peak resident set size (VmHWM) so far, in MB. */
  peakRssMb(): number;
  /** CPU time used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function forkBenchProcess<Ready>(entry: string, env: Record<string, string>): Promise<BenchProcess<Ready>> {
  const child: ChildProcess = fork(entry, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    // Its output goes to our stderr, so that `--json` keeps stdout to the JSON object.
    stdio: ["ignore", 2, 2, "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const nextMessage = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = () => reject(new Error(`${entry} exited before answering`));
      child.once("exit", onExit);
      child.once("message", (message) => {
        child.off("exit", onExit);
        resolve(message as T);
      });
    });
  const ready = await nextMessage<Ready>();
  return {
    ready,
    request<Reply>(message: unknown) {
      const reply = nextMessage<Reply>();
      child.send(message as object);
      return reply;
    },
    peakRssMb: () => processMemory(child.pid!).peakMb,
    cpuMs: () => processCpuMs(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
