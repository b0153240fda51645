import { EVENT_SOURCES, type EventMapping } from "../shared/installation-config";
import { ActionButton } from "../ui/ActionButton";
import { CheckboxField } from "../ui/CheckboxField";
import { FormField, helpId } from "../ui/FormField";
import { SelectField, type SelectOption } from "../ui/SelectField";
import { TextField } from "../ui/TextField";
import type { PersonalizeCatalog } from "./api";
import type { FormProps } from "./form";
import { MissingInPersonalize } from "./MissingInPersonalize";
import { LIST_IDS, type EventSource } from "./suggestions";
import { MappingRowList } from "./MappingRowList";
import { sectionAnchorId } from "./sections";
import { fieldOfControl, useLeftFields } from "./useLeftFields";
import { fieldError } from "./validation";

const SOURCE_OPTIONS: SelectOption<EventSource>[] = EVENT_SOURCES.map((source) => ({ value: source, label: source }));

interface EventMappingsProps extends FormProps {
  catalog: PersonalizeCatalog | undefined;
}

export function EventMappings({ data, dispatch, validation, catalog }: EventMappingsProps) {
  const rows = data.configuration.eventMappings;
  return (
    <MappingRowList
      kind="event"
      anchorId={sectionAnchorId("event-mappings")}
      title="Events"
      intro="Each row turns matching Segment track, page or screen calls into a Personalize event."
      rows={rows}
      renderRow={(row, index) => (
        <EventRow key={row.id} row={row} index={index} data={data} dispatch={dispatch} validation={validation} catalog={catalog} />
      )}
      focusTarget={(index) => `event-row-${index}-segment-event`}
      onAdd={() => dispatch({ type: "addEventRow" })}
    />
  );
}

interface EventRowProps extends EventMappingsProps {
  row: EventMapping;
  index: number;
}

function EventRow({ row, index, data, dispatch, validation, catalog }: EventRowProps) {
  const base = `event-row-${index}`;
  const label = `Event mapping ${index + 1}`;
  const left = useLeftFields(row.segmentEvent !== "" || row.personalizeEvent !== "", fieldOfControl(base));
  const error = (field: keyof EventMapping) => left.shown(field, fieldError(validation, "configuration", "eventMappings", index, field));
  const update = (patch: Partial<Omit<EventMapping, "id">>) => dispatch({ type: "updateEventRow", id: row.id, patch });
  const key = row.personalizeEvent.trim();
  const missing = catalog !== undefined && key !== "" && !catalog.events.some((event) => event.key === key);

  return (
    <li className="mapping-row" data-test-id={base} aria-label={label} onBlur={left.onBlur}>
      <div className="mapping-row__header">
        <h4>{label}</h4>
        <CheckboxField
          id={`${base}-enabled`}
          label="Enabled"
          checked={row.enabled}
          onChange={(enabled) => update({ enabled })}
          testId={`${base}-enabled`}
        />
        <ActionButton
          buttonType="tertiary"
          label={`Remove ${label.toLowerCase()}`}
          onClick={() => dispatch({ type: "removeEventRow", id: row.id })}
          testId={`${base}-remove`}
        >
          Remove
        </ActionButton>
      </div>
      <div className="mapping-row__fields">
        <FormField htmlFor={`${base}-source`} label="Segment call">
          <SelectField
            id={`${base}-source`}
            options={SOURCE_OPTIONS}
            value={row.source}
            onChange={(source) => update({ source })}
            testId={`${base}-source`}
          />
        </FormField>
        <FormField
          htmlFor={`${base}-segment-event`}
          label={row.source === "track" ? "Segment event name" : `Segment ${row.source} name`}
          required
          error={error("segmentEvent")}
          help="* matches any name."
        >
          <TextField
            id={`${base}-segment-event`}
            value={row.segmentEvent}
            onChange={(segmentEvent) => update({ segmentEvent })}
            error={error("segmentEvent")}
            list={LIST_IDS.eventNames(row.source)}
            describedBy={helpId(`${base}-segment-event`)}
            placeholder={row.source === "track" ? "Order Completed" : "Home"}
            testId={`${base}-segment-event`}
          />
        </FormField>
        <FormField
          htmlFor={`${base}-condition`}
          label="Condition (optional)"
          error={error("condition")}
          help="Segment FQL, e.g. properties.total > 100."
        >
          <TextField
            id={`${base}-condition`}
            value={row.condition}
            onChange={(condition) => update({ condition })}
            error={error("condition")}
            describedBy={helpId(`${base}-condition`)}
            testId={`${base}-condition`}
          />
        </FormField>
        <FormField htmlFor={`${base}-personalize-event`} label="Personalize event key" required error={error("personalizeEvent")}>
          <TextField
            id={`${base}-personalize-event`}
            value={row.personalizeEvent}
            onChange={(personalizeEvent) => update({ personalizeEvent })}
            error={error("personalizeEvent")}
            list={LIST_IDS.eventKeys}
            placeholder="order_completed"
            testId={`${base}-personalize-event`}
          />
          {missing && <MissingInPersonalize kind="event" itemKey={key} data={data} testId={base} />}
        </FormField>
      </div>
    </li>
  );
}
