import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { getJson, MAPPED_CONFIGURATION, sendEvents, settled } from "../sync-log/test-support.ts";
import type { InstallationAlerts } from "./alert-monitor.ts";
import { failureRateAlerts, startNoticeReceiver, type NoticeReceiver } from "../testing/notice-receiver.ts";

let receiver: NoticeReceiver;
let notices: NoticeReceiver["notices"];
let stack: TestStack;
let installation: TestInstallation;

beforeAll(async () => {
  receiver = await startNoticeReceiver();
  notices = receiver.notices;
  stack = await startTestStack({ env: { ALERT_CHECK_INTERVAL_MS: "100", ALERT_WEBHOOK_HOST_ALLOWLIST: receiver.host } });
  installation = await stack.install({
    configuration: {
      ...MAPPED_CONFIGURATION,
      alerts: failureRateAlerts(receiver.url),
    },
  });
});
afterAll(async () => {
  await stack.close();
  await receiver.close();
});

const alerts = () => getJson<InstallationAlerts>(installation, "/api/alerts");
const identifies = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ type: "identify", userId: `${prefix}-${i}`, messageId: `${prefix}-m-${i}`, traits: { plan: "pro" } }));

describe("alerts", () => {
  it("a 30 % fault window fires one notice and one recovery notice, never a storm", async () => {
    // 3 of 10 users fail at Personalize: 30 % of events, over the 20 % rule.
    for (const user of ["fault-0", "fault-1", "fault-2"]) stack.personalize.addFault({ kind: "status", status: 400, userUid: user });
    await sendEvents(stack, installation, identifies("fault", 10));
    await settled(installation);
    await eventually(async () => notices.length >= 1);
    expect(notices[0].text).toMatch(/Failure rate: 30 % of events failed or were rejected in the last 60 min \(3 of 10; alert at 20 %\)/);
    expect((await alerts()).active.map((a) => a.condition)).toEqual(["failure_rate"]);

    // Checks go on while the condition holds: still one notice.
    const firingChecks = (await alerts()).checks;
    await eventually(async () => (await alerts()).checks >= firingChecks + 3);
    expect(notices).toHaveLength(1);

    // The fault ends; healthy traffic brings the rate to 3 of 30 = 10 %.
    stack.personalize.clearFaults();
    await sendEvents(stack, installation, identifies("healthy", 20));
    await settled(installation);
    await eventually(async () => notices.length >= 2);
    expect(notices[1].text).toMatch(/Failure rate is back to normal/);

    const recoveredChecks = (await alerts()).checks;
    await eventually(async () => (await alerts()).checks >= recoveredChecks + 3);
    expect(notices).toHaveLength(2);
    const state = await alerts();
    expect(state.active).toEqual([]);
    expect(state.history.map((n) => [n.condition, n.state, n.delivery])).toEqual([
      ["failure_rate", "resolved", "sent"],
      ["failure_rate", "firing", "sent"],
    ]);
  });

  it("refuses a webhook host that is neither Slack's nor allowlisted, as for Edge URLs", async () => {
    const other = await stack.install({
      configuration: { ...MAPPED_CONFIGURATION, alerts: { webhookUrl: "http://169.254.169.254/latest", failureRate: { enabled: true, percent: 20, windowMinutes: 60 } } },
    });
    for (const user of ["ssrf-0", "ssrf-1", "ssrf-2"]) stack.personalize.addFault({ kind: "status", status: 400, userUid: user });
    await sendEvents(stack, other, identifies("ssrf", 10));
    await settled(other);
    const state = await eventually(async () => {
      const current = await getJson<InstallationAlerts>(other, "/api/alerts");
      return current.history.length ? current : null;
    });
    expect(state.history[0].delivery).toMatch(/host "169\.254\.169\.254" is not Slack's webhook host; ask the operator to add it to ALERT_WEBHOOK_HOST_ALLOWLIST/);
    stack.personalize.clearFaults();
  });
});
