/**
 * Filters for the log, compact: the text fields people use most, a time range and Apply on one line, direction and
 * status checkboxes on the next, the rest behind "More filters". Every change applies at once; typed text applies
 * on Enter, when the field is left, or with Apply. The page keeps the applied filters in the URL.
 */
import { useEffect, useState, type FocusEvent, type FormEvent, type KeyboardEvent } from "react";
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
  filterQuery,
  isoToLocalInput,
  localInputToIso,
  STATUS_OPTIONS,
  type LogFilters,
  type TextFilter,
} from "./log-filters";

const RANGE_OPTIONS = [
  { value: "", label: "Any time" },
  { value: "15m", label: "Last 15 min" },
  { value: "1h", label: "Last hour" },
  { value: "24h", label: "Last 24 h" },
  { value: "7d", label: "Last 7 days" },
  { value: "custom", label: "Custom…" },
] as const;
type RangeId = (typeof RANGE_OPTIONS)[number]["value"];
const RANGE_MS: Record<string, number> = { "15m": 15 * 60_000, "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };

const STATUS_CLASS_OPTIONS = [
  { value: "", label: "Any" },
  { value: "2", label: "2xx" },
  { value: "4", label: "4xx" },
  { value: "5", label: "5xx" },
];

const EVENT_TYPES = [{ value: "", label: "Any" }, ...EVENT_TYPE_OPTIONS.map((type) => ({ value: type, label: type }))];

interface TextFieldSpec {
  key: TextFilter;
  label: string;
  placeholder: string;
  testId: string;
}

const MAIN_TEXT_FIELDS: TextFieldSpec[] = [
  { key: "userId", label: "User ID", placeholder: "userId or anonymousId", testId: "filter-user-id" },
  { key: "eventName", label: "Event name", placeholder: "Order Completed", testId: "filter-event-name" },
  { key: "error", label: "Error contains", placeholder: "e.g. timed out", testId: "filter-error" },
];
const MORE_TEXT_FIELDS: TextFieldSpec[] = [
  { key: "messageId", label: "Message ID", placeholder: "messageId", testId: "filter-message-id" },
  { key: "httpStatus", label: "HTTP status", placeholder: "e.g. 429", testId: "filter-http-status" },
];
const TEXT_FIELD_IDS = new Set([...MAIN_TEXT_FIELDS, ...MORE_TEXT_FIELDS].map((field) => field.testId));
const MORE_KEYS = ["eventType", "httpStatusClass", "messageId", "httpStatus"] as const;

interface FilterBarProps {
  filters: LogFilters;
  onChange: (filters: LogFilters) => void;
}

/** The quick range `filters` shows: a relative start with no end is shown as the nearest listed range. */
function rangeOf(filters: LogFilters, chosen: RangeId | null): RangeId {
  if (chosen) return chosen;
  if (!filters.from && !filters.to) return "";
  return "custom";
}

export function FilterBar({ filters, onChange }: FilterBarProps) {
  const [draft, setDraft] = useState(filters);
  const [range, setRange] = useState<RangeId | null>(null);
  const [showMore, setShowMore] = useState(() => MORE_KEYS.some((key) => filters[key] !== ""));
  useEffect(() => setDraft(filters), [filters]);
  const shownRange = rangeOf(filters, range);
  const moreCount = MORE_KEYS.filter((key) => filters[key] !== "").length;

  // One model: every change applies at once; typed text applies on Enter or when the field is left.
  const apply = (next: LogFilters) => {
    setDraft(next);
    if (filterQuery(next) !== filterQuery(filters)) onChange(next);
  };
  const isTextField = (target: EventTarget) => target instanceof HTMLElement && TEXT_FIELD_IDS.has(target.id);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  const applyOnEnter = (event: KeyboardEvent) => {
    if (event.key === "Enter" && isTextField(event.target)) {
      event.preventDefault();
      apply(draft);
    }
  };
  const applyOnLeave = (event: FocusEvent) => {
    if (isTextField(event.target)) apply(draft);
  };
  const toggle = (key: "direction" | "status", values: readonly string[], on: boolean) => {
    const current = new Set(draft[key]);
    for (const value of values) {
      if (on) current.add(value);
      else current.delete(value);
    }
    apply({ ...draft, [key]: [...current] });
  };
  const chooseRange = (id: RangeId) => {
    setRange(id);
    if (id === "custom") {
      setShowMore(true);
      return;
    }
    apply({ ...draft, from: id ? new Date(Date.now() - RANGE_MS[id]).toISOString() : "", to: "" });
  };
  const textField = (field: TextFieldSpec) => (
    <FormField key={field.key} htmlFor={field.testId} label={field.label}>
      <TextField
        id={field.testId}
        value={draft[field.key]}
        placeholder={field.placeholder}
        onChange={(value) => setDraft({ ...draft, [field.key]: value })}
        testId={field.testId}
      />
    </FormField>
  );

  return (
    <form
      className="filter-bar"
      onSubmit={submit}
      onKeyDown={applyOnEnter}
      onBlur={applyOnLeave}
      aria-label="Log filters"
      data-test-id="log-filters"
    >
      <div className="filter-bar__main">
        {MAIN_TEXT_FIELDS.map(textField)}
        <FormField htmlFor="filter-range" label="Time range">
          <SelectField id="filter-range" options={RANGE_OPTIONS} value={shownRange} onChange={chooseRange} testId="filter-range" />
        </FormField>
        <div className="filter-bar__buttons">
          <ActionButton buttonType="tertiary" pressed={showMore} onClick={() => setShowMore(!showMore)} testId="filter-more">
            {`More filters${moreCount ? ` (${moreCount})` : ""}`}
          </ActionButton>
          <ActionButton buttonType="primary" onClick={() => apply(draft)} testId="filter-apply">
            Apply
          </ActionButton>
          <ActionButton
            buttonType="outline"
            disabled={activeFilterCount(filters) === 0 && activeFilterCount(draft) === 0}
            onClick={() => {
              setRange(null);
              apply(EMPTY_FILTERS);
            }}
            testId="filter-clear"
          >
            Clear
          </ActionButton>
        </div>
      </div>
      <div className="filter-bar__checks">
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
        <CheckboxField
          id="filter-hide-checks"
          label="Hide two-way manifest checks"
          checked={draft.hideChecks === "1"}
          onChange={(on) => apply({ ...draft, hideChecks: on ? "1" : "" })}
          testId="filter-hide-checks"
        />
        <fieldset className="filter-bar__group">
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
      </div>
      {showMore && (
        <div className="filter-bar__more" data-test-id="filter-more-panel">
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
          {MORE_TEXT_FIELDS.map(textField)}
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
                onChange={(event) => {
                  setRange("custom");
                  apply({ ...draft, [key]: localInputToIso(event.target.value) });
                }}
                data-test-id={`filter-${key}`}
              />
            </div>
          ))}
        </div>
      )}
    </form>
  );
}
