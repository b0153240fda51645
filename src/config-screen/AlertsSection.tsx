/**
 * Alert rules: where notices go (a Slack incoming-webhook URL, or any endpoint taking Slack's `{"text": …}`) and
 * which conditions raise one. Each rule notifies once when it starts and once when it recovers.
 */
import type { AlertRules } from "../shared/installation-config";
import { FormField } from "../ui/FormField";
import { Section } from "../ui/Section";
import { TextField } from "../ui/TextField";
import { ToggleField } from "../ui/ToggleField";
import type { FormProps } from "./form";
import { sectionAnchorId } from "./sections";
import { countErrors, fieldError } from "./validation";

const toNumber = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));
const toText = (value: number) => (Number.isFinite(value) ? String(value) : "");

type RuleKey = Exclude<keyof AlertRules, "webhookUrl">;

export function AlertsSection({ data, dispatch, validation }: FormProps) {
  const alerts = data.configuration.alerts;
  const update = (patch: Partial<AlertRules>) => dispatch({ type: "updateSection", section: "alerts", patch });
  const rule = <K extends RuleKey>(key: K, patch: Partial<AlertRules[K]>) => update({ [key]: { ...alerts[key], ...patch } } as Partial<AlertRules>);
  const error = (...path: string[]) => fieldError(validation, "configuration", "alerts", ...path);
  const number = (key: RuleKey, field: string, label: string, value: number) => (
    <FormField htmlFor={`alerts-${key}-${field}`} label={label} error={error(key, field)}>
      <TextField
        id={`alerts-${key}-${field}`}
        type="number"
        value={toText(value)}
        onChange={(text) => rule(key, { [field]: toNumber(text) } as never)}
        error={error(key, field)}
        testId={`alerts-${key}-${field}-input`}
      />
    </FormField>
  );
  return (
    <Section title="Alerts" errorCount={countErrors(validation, "configuration", "alerts")} defaultOpen={false} testId="section-alerts" anchorId={sectionAnchorId("alerts")}>
      <FormField
        htmlFor="alerts-webhook-url"
        label="Notify this webhook (Slack incoming webhook)"
        error={error("webhookUrl")}
        help="One notice when a condition starts and one when it recovers. Active alerts also show on the dashboard widget."
      >
        <TextField
          id="alerts-webhook-url"
          type="url"
          value={alerts.webhookUrl}
          placeholder="https://hooks.slack.com/services/…"
          onChange={(webhookUrl) => update({ webhookUrl })}
          error={error("webhookUrl")}
          testId="alerts-webhook-url-input"
        />
      </FormField>
      <div className="alert-rule">
        <ToggleField id="alerts-failure-rate" label="Failure rate" checked={alerts.failureRate.enabled} onChange={(enabled) => rule("failureRate", { enabled })} />
        {number("failureRate", "percent", "Alert at (% of events)", alerts.failureRate.percent)}
        {number("failureRate", "windowMinutes", "Over the last (minutes)", alerts.failureRate.windowMinutes)}
      </div>
      <div className="alert-rule">
        <ToggleField id="alerts-dead-letters" label="Dead-lettered events" checked={alerts.deadLetters.enabled} onChange={(enabled) => rule("deadLetters", { enabled })} />
        <p className="hint">Within the failure-rate window.</p>
      </div>
      <div className="alert-rule">
        <ToggleField id="alerts-oldest-pending" label="Oldest pending event" checked={alerts.oldestPending.enabled} onChange={(enabled) => rule("oldestPending", { enabled })} />
        {number("oldestPending", "minutes", "Alert after (minutes)", alerts.oldestPending.minutes)}
      </div>
      <div className="alert-rule">
        <ToggleField id="alerts-no-events" label="No events received" checked={alerts.noEvents.enabled} onChange={(enabled) => rule("noEvents", { enabled })} />
        {number("noEvents", "hours", "For (hours)", alerts.noEvents.hours)}
      </div>
    </Section>
  );
}
