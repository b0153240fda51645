/**
 * Which alert conditions hold for one installation, from a snapshot of its log (pure). Counts use the sync log's one
 * definition of each count (src/shared/log-counts.ts), so an alert and the cards never disagree.
 */
import type { AlertRules } from "../../src/shared/installation-config.ts";
import { errorRate, problemEvents, type EventCounts } from "../../src/shared/log-counts.ts";

export type AlertCondition = "failure_rate" | "dead_letters" | "oldest_pending" | "no_events";

export interface AlertSnapshot {
  now: number;
  /** Events received in the failure-rate window. */
  window: EventCounts;
  /** When the oldest event still waiting for delivery was received; null when none waits. */
  oldestPendingAt: number | null;
  /** Events received in the last `noEvents.hours`. */
  receivedInQuietWindow: number;
  /** Since when the installation can have received events (installed, or first watched). */
  watchedSince: number;
}

/** Too few settled events make a rate meaningless: one failure in two events is not an outage. */
export const MIN_SETTLED_FOR_RATE = 10;

/** The conditions that hold now, each with the sentence a notice carries. */
export function evaluateAlerts(rules: AlertRules, snapshot: AlertSnapshot): Map<AlertCondition, string> {
  const holding = new Map<AlertCondition, string>();
  const { window } = snapshot;
  const rate = errorRate(window);
  const settled = window.delivered + problemEvents(window);
  if (rules.failureRate.enabled && rate !== null && settled >= MIN_SETTLED_FOR_RATE && rate * 100 >= rules.failureRate.percent) {
    holding.set(
      "failure_rate",
      `${Math.round(rate * 100)} % of events failed or were rejected in the last ${rules.failureRate.windowMinutes} min ` +
        `(${problemEvents(window)} of ${settled}; alert at ${rules.failureRate.percent} %)`,
    );
  }
  if (rules.deadLetters.enabled && window.deadLettered > 0) {
    holding.set("dead_letters", `${window.deadLettered} event${window.deadLettered === 1 ? " was" : "s were"} dead-lettered in the last ${rules.failureRate.windowMinutes} min`);
  }
  if (rules.oldestPending.enabled && snapshot.oldestPendingAt !== null) {
    const minutes = Math.floor((snapshot.now - snapshot.oldestPendingAt) / 60_000);
    if (minutes >= rules.oldestPending.minutes) {
      holding.set("oldest_pending", `the oldest undelivered event has waited ${minutes} min (alert at ${rules.oldestPending.minutes} min)`);
    }
  }
  const quietMs = rules.noEvents.hours * 3_600_000;
  if (rules.noEvents.enabled && snapshot.receivedInQuietWindow === 0 && snapshot.now - snapshot.watchedSince >= quietMs) {
    holding.set("no_events", `no events received from Segment for ${rules.noEvents.hours} h`);
  }
  return holding;
}

export const CONDITION_TITLES: Record<AlertCondition, string> = {
  failure_rate: "Failure rate",
  dead_letters: "Dead letters",
  oldest_pending: "Oldest pending event",
  no_events: "No events received",
};
