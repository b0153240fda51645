/**
 * Filters for the log. Checkboxes, selects and times apply at once (with any text typed so far); text fields
 * apply on Enter or "Apply"; quick ranges set the start of the time range. The page keeps the applied filters in
 * the URL.
 */
import { useEffect, useState, type FormEvent, type KeyboardEvent } from "react";
import { ActionButton } from "../ui/ActionButton";
import { CheckboxField } from "../ui/CheckboxField";
import { FormField } from "../ui/FormField";
import { SelectField } from "../ui/SelectField";
import { TextField } from "../ui/TextField";
import {
  activeFilterCount,
  DIRECTION_OPTIONS,
  EMPTY_FILTERS,
  EVENT_TYPE_OPTIONS,
  isoToLocalInput,
  localInputToIso,
  STATUS_OPTIONS,
  type LogFilters,
  type TextFilter,
} from "./log-filters";

const QUICK_RANGES = [
  { id: "15m", label: "Last 15 min", ms: 15 * 60_000 },
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 h", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
] as const;

const STATUS_CLASS_OPTIONS = [
  { value: "", label: "Any" },
  { value: "2", label: "2xx" },
  { value: "4", label: "4xx" },
  { value: "5", label: "5xx" },
];

const EVENT_TYPES = [{ value: "", label: "Any" }, ...EVENT_TYPE_OPTIONS.map((type) => ({ value: type, label: type }))];

const TEXT_FIELDS: Array<{ key: TextFilter; label: string; placeholder: string; testId: string }> = [
  { key: "userId", label: "User ID", placeholder: "userId or anonymousId", testId: "filter-user-id" },
  { key: "eventName", label: "Event name", placeholder: "Order Completed", testId: "filter-event-name" },
  { key: "messageId", label: "Message ID", placeholder: "messageId", testId: "filter-message-id" },
  { key: "httpStatus", label: "HTTP status", placeholder: "e.g. 429", testId: "filter-http-status" },
  { key: "error", label: "Error contains", placeholder: "e.g. timed out", testId: "filter-error" },
];

interface FilterBarProps {
  filters: LogFilters;
  onChange: (filters: LogFilters) => void;
}

export function FilterBar({ filters, onChange }: FilterBarProps) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters]);

  // The draft changes at once so controls answer within the click; the URL (and so `filters`) follows.
  const apply = (next: LogFilters) => {
    setDraft(next);
    onChange(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  const applyOnEnter = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement;
    if (event.key === "Enter" && TEXT_FIELDS.some((field) => field.testId === target.id)) {
      event.preventDefault();
      apply(draft);
    }
  };
  const toggle = (key: "direction" | "status", values: readonly string[], on: boolean) => {
    const current = new Set(draft[key]);
    for (const value of values) {
      if (on) current.add(value);
      else current.delete(value);
    }
    apply({ ...draft, [key]: [...current] });
  };

  return (
    <form className="filter-bar" onSubmit={submit} onKeyDown={applyOnEnter} aria-label="Log filters" data-test-id="log-filters">
      <fieldset className="filter-bar__group">
        <legend>Direction</legend>
        {DIRECTION_OPTIONS.map((option) => (
          <CheckboxField
            key={option.value}
            id={`filter-direction-${option.value}`}
            label={option.label}
            checked={draft.direction.includes(option.value)}
            onChange={(on) => toggle("direction", [option.value], on)}
            testId={`filter-direction-${option.value}`}
          />
        ))}
      </fieldset>
      <fieldset className="filter-bar__group filter-bar__group--statuses">
        <legend>Status</legend>
        {STATUS_OPTIONS.map((option) => (
          <CheckboxField
            key={option.id}
            id={`filter-status-${option.id}`}
            label={option.label}
            checked={option.statuses.every((status) => draft.status.includes(status))}
            onChange={(on) => toggle("status", option.statuses, on)}
            testId={`filter-status-${option.id}`}
          />
        ))}
      </fieldset>
      <div className="filter-bar__fields">
        <FormField htmlFor="filter-event-type" label="Event type">
          <SelectField
            id="filter-event-type"
            options={EVENT_TYPES}
            value={draft.eventType}
            onChange={(eventType) => apply({ ...draft, eventType })}
            testId="filter-event-type"
          />
        </FormField>
        <FormField htmlFor="filter-http-class" label="HTTP status class">
          <SelectField
            id="filter-http-class"
            options={STATUS_CLASS_OPTIONS}
            value={draft.httpStatusClass}
            onChange={(httpStatusClass) => apply({ ...draft, httpStatusClass })}
            testId="filter-http-class"
          />
        </FormField>
        {TEXT_FIELDS.map((field) => (
          <FormField key={field.key} htmlFor={field.testId} label={field.label}>
            <TextField
              id={field.testId}
              value={draft[field.key]}
              placeholder={field.placeholder}
              onChange={(value) => setDraft({ ...draft, [field.key]: value })}
              testId={field.testId}
            />
          </FormField>
        ))}
        {(["from", "to"] as const).map((key) => (
          <div className="form-field" key={key}>
            <label className="filter-bar__label" htmlFor={`filter-${key}`}>
              {key === "from" ? "From" : "To"}
            </label>
            <input
              id={`filter-${key}`}
              className="filter-bar__time"
              type="datetime-local"
              step={1}
              value={isoToLocalInput(draft[key])}
              onChange={(event) => apply({ ...draft, [key]: localInputToIso(event.target.value) })}
              data-test-id={`filter-${key}`}
            />
          </div>
        ))}
      </div>
      <div className="filter-bar__actions">
        {QUICK_RANGES.map((range) => (
          <ActionButton
            key={range.id}
            buttonType="tertiary"
            onClick={() => apply({ ...draft, from: new Date(Date.now() - range.ms).toISOString(), to: "" })}
            testId={`filter-range-${range.id}`}
          >
            {range.label}
          </ActionButton>
        ))}
        <span className="filter-bar__spacer" />
        <ActionButton buttonType="primary" onClick={() => apply(draft)} testId="filter-apply">
          Apply filters
        </ActionButton>
        <ActionButton
          buttonType="outline"
          disabled={activeFilterCount(filters) === 0 && activeFilterCount(draft) === 0}
          onClick={() => apply(EMPTY_FILTERS)}
          testId="filter-clear"
        >
          Clear filters
        </ActionButton>
      </div>
    </form>
  );
}
