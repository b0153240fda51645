/**
 * Checks each installation's alert rules on an interval and sends one notice when a condition starts and one when
 * it recovers (never one per check), to the installation's webhook URL as Slack-compatible JSON (`{"text": …}`)
 * and to the widget through `GET /api/alerts`. The webhook URL passes the same SSRF guard as custom Edge URLs:
 * Slack's webhook host over HTTPS, or a host the operator allowlisted (ALERT_WEBHOOK_HOST_ALLOWLIST).
 *
 * State and history live in this process: watched installations are those with log activity since it started; a
 * restart forgets what was active, so a condition that still holds is announced once more.
 */
import type { FastifyBaseLogger } from "fastify";
import { alertsSchema } from "../../src/shared/installation-config.ts";
import { countEvents } from "../../src/shared/log-counts.ts";
import { checkOutboundUrl } from "../delivery/personalize-endpoints.ts";
import type { Installations } from "../installations/installations.ts";
import type { Store } from "../store/types.ts";
import { CONDITION_TITLES, evaluateAlerts, type AlertCondition, type AlertSnapshot } from "./alert-rules.ts";

export const SLACK_WEBHOOK_HOSTS = ["hooks.slack.com"];
const HISTORY_LIMIT = 50;
const NOTIFY_TIMEOUT_MS = 10_000;
const PENDING_LOOKBACK_MS = 24 * 3_600_000;
const PENDING_STATUSES = ["queued", "processing", "pending_retry"] as const;

export interface AlertNotice {
  at: number;
  condition: AlertCondition;
  title: string;
  state: "firing" | "resolved";
  message: string;
  /** What happened to the webhook notice: "sent", "no webhook URL", or why it failed. */
  delivery: string;
}

export interface InstallationAlerts {
  active: Array<{ condition: AlertCondition; title: string; since: number; message: string }>;
  history: AlertNotice[];
  /** Checks completed for this installation since the process started. */
  checks: number;
}

interface Watched {
  since: number;
  active: Map<AlertCondition, { since: number; message: string }>;
  history: AlertNotice[];
  checks: number;
}

export interface AlertMonitor {
  forInstallation(installationUid: string): InstallationAlerts;
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
    if (!watched.has(installationUid)) watched.set(installationUid, { since: Date.now(), active: new Map(), history: [], checks: 0 });
  };
  const unsubscribe = store.onChange((notice) => watch(notice.installationUid));

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
    const changes: Array<Omit<AlertNotice, "delivery" | "at">> = [];
    for (const [condition, message] of holding) {
      if (!state.active.has(condition)) {
        state.active.set(condition, { since: Date.now(), message });
        changes.push({ condition, title: CONDITION_TITLES[condition], state: "firing", message });
      } else state.active.get(condition)!.message = message;
    }
    for (const condition of [...state.active.keys()]) {
      if (holding.has(condition)) continue;
      state.active.delete(condition);
      changes.push({ condition, title: CONDITION_TITLES[condition], state: "resolved", message: `${CONDITION_TITLES[condition]} is back to normal` });
    }
    for (const change of changes) {
      const text = `${change.state === "firing" ? ":rotating_light:" : ":white_check_mark:"} Segment → Personalize sync (stack ${installation.stackApiKey}): ${
        change.state === "firing" ? `${change.title}: ${change.message}` : change.message
      }`;
      const delivery = await deliver(rules.webhookUrl, text);
      if (delivery !== "sent" && delivery !== "no webhook URL") log.warn({ installationUid, condition: change.condition }, `alert notice not delivered: ${delivery}`);
      state.history.unshift({ ...change, at: Date.now(), delivery });
      state.history.length = Math.min(state.history.length, HISTORY_LIMIT);
    }
    state.checks += 1;
  }

  let running: Promise<void> | null = null;
  const checkNow = () => {
    running ??= (async () => {
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
    forInstallation(installationUid) {
      watch(installationUid);
      const state = watched.get(installationUid)!;
      return {
        active: [...state.active].map(([condition, { since, message }]) => ({ condition, title: CONDITION_TITLES[condition], since, message })),
        history: state.history,
        checks: state.checks,
      };
    },
    checkNow,
    stop() {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
