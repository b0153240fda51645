/**
 * Filters for the log, compact: the text fields people use most, a time range and Apply on one line, direction and
 * status checkboxes on the next, the rest behind "More filters". One apply model: every field (text, checkbox,
 * select, date) changes a draft, and Apply (or Enter in a field) applies them all at once, so several changes
 * cost one reload of a live view. Clear applies at once. The page keeps the applied filters in the URL.
 */
import { useEffect, useState, type FormEvent, type KeyboardEvent } from "react";
import { ActionButton } from "../ui/ActionButton";
import { CheckboxField } from "../ui/CheckboxField";
import { FormField } from "../ui/FormField";
import { SelectField } from "../ui/SelectField";
import { TextField } from "../ui/TextField";
import { DateTimeFilter } from "./DateTimeFilter";
import {
  activeFilterCount,
  DIRECTION_OPTIONS,
  EMPTY_FILTERS,
  EVENT_TYPE_OPTIONS,
  filterQuery,
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
/** Fields where Enter applies the filters (venus' selects and date inputs use Enter to open their menus). */
const ENTER_APPLIES = new Set([...MAIN_TEXT_FIELDS, ...MORE_TEXT_FIELDS].map((field) => field.testId).concat(["filter-from-time", "filter-to-time"]));
const MORE_KEYS = ["eventType", "httpStatusClass", "messageId", "httpStatus", "from", "to"] as const;

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
  const shownRange = rangeOf(draft, range);
  const moreCount = MORE_KEYS.filter((key) => draft[key] !== "").length;
  const pending = filterQuery(draft) !== filterQuery(filters);

  const apply = (next: LogFilters) => {
    setDraft(next);
    if (filterQuery(next) !== filterQuery(filters)) onChange(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  const applyOnEnter = (event: KeyboardEvent) => {
    if (event.key === "Enter" && event.target instanceof HTMLElement && ENTER_APPLIES.has(event.target.id)) {
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
    setDraft({ ...draft, [key]: [...current] });
  };
  const chooseRange = (id: RangeId) => {
    setRange(id);
    if (id === "custom") {
      setShowMore(true);
      return;
    }
    setDraft({ ...draft, from: id ? new Date(Date.now() - RANGE_MS[id]).toISOString() : "", to: "" });
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
      aria-label="Log filters"
      data-test-id="log-filters"
      data-pending={pending || undefined}
    >
      <div className="filter-bar__main">
        {MAIN_TEXT_FIELDS.map(textField)}
        <FormField htmlFor="filter-range" label="Time range">
          <SelectField id="filter-range" options={RANGE_OPTIONS} value={shownRange} onChange={chooseRange} testId="filter-range" />
        </FormField>
        <div className="filter-bar__buttons">
          <ActionButton buttonType="primary" disabled={!pending} onClick={() => apply(draft)} testId="filter-apply">
            Apply
          </ActionButton>
          <ActionButton buttonType="tertiary" pressed={showMore} onClick={() => setShowMore(!showMore)} testId="filter-more">
            {`More filters${moreCount ? ` (${moreCount})` : ""}`}
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
        <div className="filter-bar__group">
          <CheckboxField
            id="filter-show-checks"
            label="Show two-way manifest checks"
            checked={draft.showChecks === "1"}
            onChange={(on) => setDraft({ ...draft, showChecks: on ? "1" : "" })}
            testId="filter-show-checks"
          />
        </div>
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
        {pending && (
          <p className="filter-bar__pending hint" role="status" data-test-id="filter-pending">
            Changed filters apply with Apply or Enter.
          </p>
        )}
      </div>
      {showMore && (
        <div className="filter-bar__more" data-test-id="filter-more-panel">
          <FormField htmlFor="filter-event-type" label="Event type">
            <SelectField
              id="filter-event-type"
              options={EVENT_TYPES}
              value={draft.eventType}
              onChange={(eventType) => setDraft({ ...draft, eventType })}
              testId="filter-event-type"
            />
          </FormField>
          <FormField htmlFor="filter-http-class" label="HTTP status class">
            <SelectField
              id="filter-http-class"
              options={STATUS_CLASS_OPTIONS}
              value={draft.httpStatusClass}
              onChange={(httpStatusClass) => setDraft({ ...draft, httpStatusClass })}
              testId="filter-http-class"
            />
          </FormField>
          {MORE_TEXT_FIELDS.map(textField)}
          {(["from", "to"] as const).map((key) => (
            <DateTimeFilter
              key={key}
              id={`filter-${key}`}
              label={key === "from" ? "From" : "To"}
              value={draft[key]}
              onChange={(iso) => {
                setRange("custom");
                setDraft((current) => ({ ...current, [key]: iso }));
              }}
              testId={`filter-${key}`}
            />
          ))}
        </div>
      )}
    </form>
  );
}
