/**
 * A point in time for the log filters: venus `DatePicker` (v2, typed mm-dd-yyyy or picked from its calendar) and
 * a venus text input for the time of day (HH:MM, local time; empty means the start of the day). Reports ISO-8601
 * UTC, or "" when no date is chosen; a time that is not HH:MM is shown as invalid and leaves the value unchanged.
 */
import { DatePicker } from "@contentstack/venus-components";
import { useLayoutEffect, useRef, useState } from "react";
import { TextField } from "../ui/TextField";
import { isoToLocalDateTime, localDateTimeToIso, TIME_OF_DAY } from "./log-filters";

interface DateTimeFilterProps {
  id: string;
  label: string;
  value: string;
  onChange: (iso: string) => void;
  testId: string;
}

/** venus' typed date is mm-dd-yyyy (its input mask); the filters use yyyy-mm-dd. */
const toVenusDate = (date: string) => (date ? `${date.slice(5, 7)}-${date.slice(8, 10)}-${date.slice(0, 4)}` : "");
function fromVenusDate(value: string): string {
  const parts = /^(\d{2})[-/ ](\d{2})[-/ ](\d{4})$/.exec(value);
  return parts ? `${parts[3]}-${parts[1]}-${parts[2]}` : "";
}

export function DateTimeFilter({ id, label, value, onChange, testId }: DateTimeFilterProps) {
  const shown = isoToLocalDateTime(value);
  const [time, setTime] = useState(shown.time);
  const [timeError, setTimeError] = useState("");
  const datePicker = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => setTime(shown.time), [shown.time]);
  useLayoutEffect(() => {
    // venus gives the date input no id, so a <label htmlFor> would name nothing.
    const input = datePicker.current?.querySelector("input");
    if (input) input.id = `${id}-date`;
  });

  const changeTime = (next: string) => {
    setTime(next);
    if (next !== "" && !TIME_OF_DAY.test(next)) {
      setTimeError("Use HH:MM, e.g. 09:30");
      return;
    }
    setTimeError("");
    if (shown.date) onChange(localDateTimeToIso(shown.date, next));
  };

  return (
    <fieldset className="date-time-filter" data-test-id={testId}>
      <legend className="filter-bar__label">{label}</legend>
      <div className="date-time-filter__inputs">
        <label className="visually-hidden" htmlFor={`${id}-date`}>
          {`${label} date`}
        </label>
        <div ref={datePicker} className="date-time-filter__date">
          <DatePicker
            // venus reads initialDate once: a new value (Clear, a quick range) remounts it.
            key={shown.date}
            version="v2"
            formatType="mm dd yyyy"
            initialDate={toVenusDate(shown.date) || undefined}
            onChange={(value: string) => {
              const date = fromVenusDate(value);
              onChange(date ? localDateTimeToIso(date, timeError ? "" : time) : "");
            }}
            inputMaskProps={{ inputMaskTestId: `${testId}-date`, placeholder: "mm-dd-yyyy", characterSeperator: "-" }}
            testId={`${testId}-calendar`}
          />
        </div>
        <label className="visually-hidden" htmlFor={`${id}-time`}>
          {`${label} time`}
        </label>
        <div className="date-time-filter__time">
          <TextField id={`${id}-time`} value={time} placeholder="HH:MM" error={timeError} onChange={changeTime} testId={`${testId}-time`} />
        </div>
      </div>
      {timeError && (
        <span className="date-time-filter__error" id={`${id}-time-error`} role="alert">
          {timeError}
        </span>
      )}
    </fieldset>
  );
}
