/**
 * Alert state lives in the store: a restarted monitor does not announce a condition that still holds, and two
 * monitors over one PostgreSQL store send each notice once. The stack's own monitor checks only hourly, so the
 * monitors under test (driven by checkNow) are the only ones that send.
 */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createInstallations } from "../installations/installations.ts";
import { getJson, MAPPED_CONFIGURATION, sendEvents, settled } from "../sync-log/test-support.ts";
import { startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { TEST_POSTGRES_URL } from "../testing/postgres.ts";
import { describePostgres } from "../testing/postgres-suite.ts";
import { ALERT_HISTORY_LIMIT } from "../store/alert-state-store.ts";
import { startAlertMonitor, type AlertMonitor, type InstallationAlerts } from "./alert-monitor.ts";
import { failureRateAlerts, startNoticeReceiver, type NoticeReceiver } from "../testing/notice-receiver.ts";

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Setup {
  stack: TestStack;
  installation: TestInstallation;
  receiver: NoticeReceiver;
  monitor(): AlertMonitor;
}

async function setUp(databaseUrl?: string): Promise<Setup> {
  const receiver = await startNoticeReceiver();
  cleanups.push(() => receiver.close());
  const stack = await startTestStack({ databaseUrl, env: { ALERT_CHECK_INTERVAL_MS: "3600000", ALERT_WEBHOOK_HOST_ALLOWLIST: receiver.host } });
  cleanups.push(() => stack.close());
  const installation = await stack.install({
    configuration: {
      ...MAPPED_CONFIGURATION,
      alerts: failureRateAlerts(receiver.url),
    },
  });
  const monitor = () => {
    const started = startAlertMonitor({
      store: stack.server.store,
      installations: createInstallations(stack.server.store),
      intervalMs: 3_600_000,
      hostAllowlist: [receiver.host],
      log: pino({ level: "silent" }),
    });
    cleanups.push(() => started.stop());
    return started;
  };
  return { stack, installation, receiver, monitor };
}

const identifies = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ type: "identify", userId: `${prefix}-${i}`, messageId: `${prefix}-m-${i}`, traits: { plan: "pro" } }));

/** 3 of 10 users fail at Personalize: 30 % of events, over the 20 % rule. */
async function failureWindow({ stack, installation }: Setup): Promise<void> {
  for (const user of ["fault-0", "fault-1", "fault-2"]) stack.personalize.addFault({ kind: "status", status: 400, userUid: user });
  await sendEvents(stack, installation, identifies("fault", 10));
  await settled(installation, undefined, 10);
}

/** Healthy traffic brings the rate to 3 of 30 = 10 %. */
async function recovery({ stack, installation }: Setup): Promise<void> {
  stack.personalize.clearFaults();
  await sendEvents(stack, installation, identifies("healthy", 20));
  await settled(installation, undefined, 30);
}

const databases: Array<[string, string | undefined]> = [["SQLite", undefined]];

describe.each(databases)("alert state on %s", (_name, databaseUrl) => {
  it("survives a restart: a condition that still holds is not announced again, and its recovery is", async () => {
    await restartKeepsState(await setUp(databaseUrl));
  });
});

describePostgres("alert state on PostgreSQL", () => {
  it("survives a restart: a condition that still holds is not announced again, and its recovery is", async () => {
    await restartKeepsState(await setUp(TEST_POSTGRES_URL));
  });

  it("two monitors over one store send each notice exactly once", async () => {
    const setup = await setUp(TEST_POSTGRES_URL);
    const { installation, receiver } = setup;
    const monitors = [setup.monitor(), setup.monitor()];
    await Promise.all(monitors.map((monitor) => monitor.forInstallation(installation.uid)));
    const checkBoth = async (rounds: number) => {
      for (let round = 0; round < rounds; round++) await Promise.all(monitors.map((monitor) => monitor.checkNow()));
    };

    await failureWindow(setup);
    await checkBoth(3);
    expect(receiver.notices.map((notice) => notice.text)).toEqual([expect.stringMatching(/Failure rate: 30 % of events failed/)]);

    await recovery(setup);
    await checkBoth(3);
    expect(receiver.notices.map((notice) => notice.text)).toEqual([
      expect.stringMatching(/Failure rate: 30 % of events failed/),
      expect.stringMatching(/Failure rate is back to normal/),
    ]);
    const state = await getJson<InstallationAlerts>(installation, "/api/alerts");
    expect(state.history.map((notice) => [notice.condition, notice.state, notice.delivery])).toEqual([
      ["failure_rate", "resolved", "sent"],
      ["failure_rate", "firing", "sent"],
    ]);
  });
});

async function restartKeepsState(setup: Setup): Promise<void> {
  const { installation, receiver } = setup;
  const first = setup.monitor();
  await first.forInstallation(installation.uid);
  await failureWindow(setup);
  await first.checkNow();
  expect(receiver.notices).toHaveLength(1);
  const fired = await first.forInstallation(installation.uid);
  expect(fired.active).toEqual([expect.objectContaining({ condition: "failure_rate" })]);
  first.stop();

  // A new process: nothing asks for the installation's alerts, yet its active condition is watched.
  const second = setup.monitor();
  for (let round = 0; round < 3; round++) await second.checkNow();
  expect(receiver.notices).toHaveLength(1);
  const after = await second.forInstallation(installation.uid);
  expect(after.checks).toBe(3);
  expect(after.active).toEqual(fired.active);

  await recovery(setup);
  await second.checkNow();
  expect(receiver.notices.map((notice) => notice.text)).toEqual([
    expect.stringMatching(/Failure rate: 30 % of events failed/),
    expect.stringMatching(/Failure rate is back to normal/),
  ]);
  expect((await second.forInstallation(installation.uid)).active).toEqual([]);

  // The history keeps the newest 50 notices of each installation.
  const alertState = setup.stack.server.store.alertState;
  for (let i = 0; i < ALERT_HISTORY_LIMIT + 5; i++) {
    await alertState.recordAlertNotice("busy-installation", { at: i, condition: "dead_letters", state: i % 2 ? "resolved" : "firing", message: `notice ${i}`, delivery: "sent" });
  }
  const history = await alertState.alertHistory("busy-installation");
  expect(history).toHaveLength(ALERT_HISTORY_LIMIT);
  expect([history[0].message, history.at(-1)!.message]).toEqual([`notice ${ALERT_HISTORY_LIMIT + 4}`, "notice 5"]);
  expect(await alertState.alertHistory(installation.uid)).toHaveLength(2);
}
