/**
 * A minimal Server-Sent Events reader over fetch, for tests and the benchmark: collects every event of the live
 * log and lets a caller wait for one that satisfies a condition.
 */
export interface ServerSentEvent {
  event: string;
  data: string;
  /** performance.now() when the event was parsed. */
  receivedAt: number;
}

export interface EventStreamClient {
  status: number;
  received: ServerSentEvent[];
  waitFor(test: (event: ServerSentEvent) => boolean, timeoutMs?: number): Promise<ServerSentEvent>;
  /** Settles once the response body has ended, whether the server or close() ended it. */
  ended: Promise<void>;
  close(): void;
}

export async function connectEventStream(url: string, onEvent?: (event: ServerSentEvent) => void): Promise<EventStreamClient> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers: { accept: "text/event-stream" } });
  const received: ServerSentEvent[] = [];
  const waiters = new Set<() => void>();

  const dispatch = (block: string) => {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      if (field === "data") data.push(value);
    }
    if (data.length === 0) return;
    const parsed = { event, data: data.join("\n"), receivedAt: performance.now() };
    received.push(parsed);
    onEvent?.(parsed);
    for (const wake of waiters) wake();
  };

  let ended: Promise<void> = Promise.resolve();
  if (response.ok && response.body) {
    ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true }).replaceAll("\r\n", "\n");
          let end: number;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // Aborted by close(), or the server ended the stream.
      }
    })();
  }

  return {
    status: response.status,
    received,
    ended,
    waitFor(test, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(test);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching server-sent event within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(wake);
      });
    },
    close: () => controller.abort(),
  };
}
