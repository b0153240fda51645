/**
 * Checks each installation's alert rules on an interval and sends one notice when a condition starts and one when
 * it recovers (never one per check), to the installation's webhook URL as Slack-compatible JSON (`{"text": …}`)
 * and to the widget through `GET /api/alerts`. The webhook URL passes the same SSRF guard as custom Edge URLs:
 * Slack's webhook host over HTTPS, or a host the operator allowlisted (ALERT_WEBHOOK_HOST_ALLOWLIST).
 *
 * Active conditions and the history live in the store (`store.alertState`), and each start or recovery is a
 * compare-and-set there: after a restart a condition that still holds is not announced again, and of several API
 * processes checking the same installation only the one whose transition lands sends the notice. A process that
 * dies between the transition and the webhook call loses that notice (at most once, never a storm). Watched
 * installations are those with log activity or a look at their alerts since the process started, and those with
 * an active condition.
 */
import type { FastifyBaseLogger } from "fastify";
import { alertsSchema } from "../../src/shared/installation-config.ts";
import { countEvents } from "../../src/shared/log-counts.ts";
import { checkOutboundUrl } from "../delivery/personalize-endpoints.ts";
import type { Installations } from "../installations/installations.ts";
import type { AlertHistoryEntry } from "../store/alert-state-store.ts";
import type { Store } from "../store/types.ts";
import { CONDITION_TITLES, evaluateAlerts, type AlertCondition, type AlertSnapshot } from "./alert-rules.ts";

export const SLACK_WEBHOOK_HOSTS = ["hooks.slack.com"];
const NOTIFY_TIMEOUT_MS = 10_000;
const PENDING_LOOKBACK_MS = 24 * 3_600_000;
const PENDING_STATUSES = ["queued", "processing", "pending_retry"] as const;

export interface AlertNotice extends AlertHistoryEntry {
  condition: AlertCondition;
  title: string;
}

export interface InstallationAlerts {
  active: Array<{ condition: AlertCondition; title: string; since: number; message: string }>;
  history: AlertNotice[];
  /** Checks completed for this installation since the process started. */
  checks: number;
}

interface Watched {
  since: number;
  checks: number;
}

/** A condition stored by a later version may have no title here yet: its key stands in. */
const titleOf = (condition: string) => CONDITION_TITLES[condition as AlertCondition] ?? condition;

export interface AlertMonitor {
  forInstallation(installationUid: string): Promise<InstallationAlerts>;
  checkNow(): Promise<void>;
  stop(): void;
}

export interface AlertMonitorOptions {
  store: Store;
  installations: Installations;
  intervalMs: number;
  hostAllowlist: readonly string[];
  log: FastifyBaseLogger;
  fetchImpl?: typeof fetch;
}

export function startAlertMonitor(options: AlertMonitorOptions): AlertMonitor {
  const { store, installations, log } = options;
  const send = options.fetchImpl ?? fetch;
  const watched = new Map<string, Watched>();
  const watch = (installationUid: string) => {
    if (!watched.has(installationUid)) watched.set(installationUid, { since: Date.now(), checks: 0 });
  };
  const unsubscribe = store.onChange((notice) => watch(notice.installationUid));
  const alertState = store.alertState;
  const watchActive = alertState.installationsWithActiveAlerts().then(
    (uids) => uids.forEach(watch),
    (error: unknown) => log.warn({ err: error }, "could not read the active alerts; their installations are watched on their next activity"),
  );

  async function snapshotOf(installationUid: string, rules: Parameters<typeof evaluateAlerts>[0], since: number): Promise<AlertSnapshot> {
    const now = Date.now();
    const windowMs = rules.failureRate.windowMinutes * 60_000;
    const quietMs = rules.noEvents.hours * 3_600_000;
    const [window, pending, quiet] = await Promise.all([
      store.aggregateLog({ installationUid, from: now - windowMs, to: now + 1 }, windowMs),
      rules.oldestPending.enabled
        ? store.aggregateLog(
            { installationUid, from: now - PENDING_LOOKBACK_MS, to: now + 1, filter: { directions: ["inbound"], statuses: [...PENDING_STATUSES] } },
            60_000,
          )
        : null,
      rules.noEvents.enabled ? store.aggregateLog({ installationUid, from: now - quietMs, to: now + 1, filter: { directions: ["inbound"] } }, quietMs) : null,
    ]);
    const pendingStarts = pending?.buckets.map((bucket) => bucket.start) ?? [];
    return {
      now,
      window: countEvents(window.counts, 0),
      oldestPendingAt: pendingStarts.length ? Math.min(...pendingStarts) : null,
      receivedInQuietWindow: quiet ? countEvents(quiet.counts, 0).received : 0,
      watchedSince: since,
    };
  }

  async function deliver(webhookUrl: string, text: string): Promise<string> {
    if (!webhookUrl) return "no webhook URL";
    const checked = checkOutboundUrl(webhookUrl, "alert webhook URL", SLACK_WEBHOOK_HOSTS, "Slack's webhook host", options.hostAllowlist, "ALERT_WEBHOOK_HOST_ALLOWLIST");
    if (!checked.ok) return checked.reason;
    try {
      const response = await send(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
        redirect: "manual",
        signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.ok ? "sent" : `the webhook answered HTTP ${response.status}`;
    } catch (error) {
      return `the webhook could not be reached: ${(error as Error).message}`;
    }
  }

  async function checkInstallation(installationUid: string, state: Watched): Promise<void> {
    const installation = await installations.get(installationUid);
    if (!installation) {
      watched.delete(installationUid);
      return;
    }
    // Installations saved before alerts existed have none stored: the defaults apply.
    const rules = alertsSchema.parse(installation.configuration.alerts ?? {});
    const holding = evaluateAlerts(rules, await snapshotOf(installationUid, rules, Math.max(state.since, installation.createdAt)));
    const active = new Map((await alertState.activeAlerts(installationUid)).map((alert) => [alert.condition, alert]));
    const changes: Array<Omit<AlertHistoryEntry, "delivery" | "at"> & { condition: AlertCondition }> = [];
    for (const [condition, message] of holding) {
      if (!active.has(condition)) {
        if (await alertState.startAlert(installationUid, { condition, since: Date.now(), message })) changes.push({ condition, state: "firing", message });
      } else if (active.get(condition)!.message !== message) await alertState.updateAlertMessage(installationUid, condition, message);
    }
    for (const condition of active.keys()) {
      if (holding.has(condition as AlertCondition) || !(await alertState.resolveAlert(installationUid, condition))) continue;
      changes.push({ condition: condition as AlertCondition, state: "resolved", message: `${titleOf(condition)} is back to normal` });
    }
    for (const change of changes) {
      const title = titleOf(change.condition);
      const text = `${change.state === "firing" ? ":rotating_light:" : ":white_check_mark:"} Segment → Personalize sync (stack ${installation.stackApiKey}): ${
        change.state === "firing" ? `${title}: ${change.message}` : change.message
      }`;
      const delivery = await deliver(rules.webhookUrl, text);
      if (delivery !== "sent" && delivery !== "no webhook URL") log.warn({ installationUid, condition: change.condition }, `alert notice not delivered: ${delivery}`);
      await alertState.recordAlertNotice(installationUid, { ...change, at: Date.now(), delivery });
    }
    state.checks += 1;
  }

  let running: Promise<void> | null = null;
  const checkNow = () => {
    running ??= (async () => {
      await watchActive;
      for (const [installationUid, state] of watched) {
        try {
          await checkInstallation(installationUid, state);
        } catch (error) {
          log.warn({ err: error, installationUid }, "alert check failed");
        }
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void checkNow(), options.intervalMs);
  timer.unref();

  return {
    async forInstallation(installationUid) {
      watch(installationUid);
      const [active, history] = await Promise.all([alertState.activeAlerts(installationUid), alertState.alertHistory(installationUid)]);
      return {
        active: active.map((alert) => ({ ...alert, condition: alert.condition as AlertCondition, title: titleOf(alert.condition) })),
        history: history.map((entry) => ({ ...entry, condition: entry.condition as AlertCondition, title: titleOf(entry.condition) })),
        checks: watched.get(installationUid)?.checks ?? 0,
      };
    },
    checkNow,
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
