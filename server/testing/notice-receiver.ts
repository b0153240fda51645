/** A local Slack-compatible webhook receiver for alert tests: records every JSON body posted to it. */
import { createServer } from "node:http";

export interface NoticeReceiver {
  /** host:port, for ALERT_WEBHOOK_HOST_ALLOWLIST. */
  host: string;
  url: string;
  notices: Array<{ text: string }>;
  close(): Promise<void>;
}

export async function startNoticeReceiver(): Promise<NoticeReceiver> {
  const notices: Array<{ text: string }> = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      notices.push(JSON.parse(body));
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const host = `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return { host, url: `http://${host}/slack`, notices, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Alert rules with only the failure-rate rule on (over 20 % in 60 min), notifying `webhookUrl`. */
export function failureRateAlerts(webhookUrl: string) {
  return {
    webhookUrl,
    failureRate: { enabled: true, percent: 20, windowMinutes: 60 },
    deadLetters: { enabled: false },
    oldestPending: { enabled: false, minutes: 30 },
    noEvents: { enabled: false, hours: 24 },
  };
}
