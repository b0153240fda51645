/**
 * Sends requests one at a time from a worker thread and times them, so that what the measuring process does
 * meanwhile (building floods, compressing bombs) does not show up as server latency.
 */
import { Worker } from "node:worker_threads";

export interface ProbeRequest {
  path: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface ProbeResult {
  latenciesMs: number[];
  statuses: number[];
}

const PROBE_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, requests, intervalMs } = workerData;
let running = true;
const latenciesMs = [];
const statuses = [];
parentPort.on("message", () => { running = false; });
(async () => {
  for (let i = 0; running; i++) {
    const request = requests[i % requests.length];
    const started = performance.now();
    let status = 0;
    try {
      const response = await fetch(url + request.path, { method: request.method, headers: request.headers, body: request.body });
      status = response.status;
      await response.arrayBuffer();
    } catch {}
    latenciesMs.push(performance.now() - started);
    statuses.push(status);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  parentPort.postMessage({ latenciesMs, statuses });
})();
`;

export function startProbe(url: string, requests: ProbeRequest[], intervalMs: number) {
  const worker = new Worker(PROBE_SOURCE, { eval: true, workerData: { url, requests, intervalMs } });
  const result = new Promise<ProbeResult>((resolve, reject) => {
    worker.once("message", (message: ProbeResult) => resolve(message));
    worker.once("error", reject);
  });
  return {
    async stop(): Promise<ProbeResult> {
      worker.postMessage("stop");
      const measured = await result;
      await worker.terminate();
      return measured;
    },
  };
}
