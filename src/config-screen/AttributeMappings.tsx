import { ATTRIBUTE_TYPES, type AttributeMapping, type AttributeType } from "../shared/installation-config";
import { ActionButton } from "../ui/ActionButton";
import { CheckboxField } from "../ui/CheckboxField";
import { FormField, helpId } from "../ui/FormField";
import { SelectField, type SelectOption } from "../ui/SelectField";
import { TextField } from "../ui/TextField";
import type { PersonalizeCatalog } from "./api";
import type { FormProps } from "./form";
import { AudienceTypeNote } from "./AudienceTypes";
import { MissingInPersonalize } from "./MissingInPersonalize";
import { SourcePathInput } from "./SourcePathInput";
import { LIST_IDS, splitSourcePath } from "./suggestions";
import { MappingRowList } from "./MappingRowList";
import { sectionAnchorId } from "./sections";
import { fieldOfControl, useLeftFields } from "./useLeftFields";
import { fieldError } from "./validation";

const TYPE_LABELS: Record<AttributeType, string> = {
  auto: "Auto (as received)",
  string: "String",
  number: "Number",
  boolean: "Boolean",
  date: "Date (ISO-8601)",
};
const TYPE_OPTIONS: SelectOption<AttributeType>[] = ATTRIBUTE_TYPES.map((type) => ({ value: type, label: TYPE_LABELS[type] }));

interface AttributeMappingsProps extends FormProps {
  /** Present once loaded; then rows whose key it lacks are flagged. */
  catalog: PersonalizeCatalog | undefined;
}

export function AttributeMappings({ data, dispatch, validation, catalog }: AttributeMappingsProps) {
  const rows = data.configuration.attributeMappings;
  return (
    <MappingRowList
      kind="attribute"
      anchorId={sectionAnchorId("attribute-mappings")}
      title="Attributes"
      intro="Each row copies one value from Segment events into a Personalize attribute."
      rows={rows}
      renderRow={(row, index) => (
        <AttributeRow key={row.id} row={row} index={index} data={data} dispatch={dispatch} validation={validation} catalog={catalog} />
      )}
      focusTarget={(index) => `attribute-row-${index}-source`}
      onAdd={() => dispatch({ type: "addAttributeRow" })}
    />
  );
}

interface AttributeRowProps extends AttributeMappingsProps {
  row: AttributeMapping;
  index: number;
}

function AttributeRow({ row, index, data, dispatch, validation, catalog }: AttributeRowProps) {
  const base = `attribute-row-${index}`;
  const label = `Attribute mapping ${index + 1}`;
  // A new row's source is the bare prefix `traits.`: not content the admin typed.
  const left = useLeftFields(splitSourcePath(row.source).key !== "" || row.attribute !== "", fieldOfControl(base));
  const error = (field: keyof AttributeMapping) =>
    left.shown(field, fieldError(validation, "configuration", "attributeMappings", index, field));
  const update = (patch: Partial<Omit<AttributeMapping, "id">>) =>
    dispatch({ type: "updateAttributeRow", id: row.id, patch });
  const key = row.attribute.trim();
  const missing = catalog !== undefined && key !== "" && !catalog.attributes.some((attribute) => attribute.key === key);

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
          onClick={() => dispatch({ type: "removeAttributeRow", id: row.id })}
          testId={`${base}-remove`}
        >
          Remove
        </ActionButton>
      </div>
      <div className="mapping-row__fields mapping-row__fields--attribute">
        <SourcePathInput
          id={`${base}-source`}
          rowLabel={label}
          value={row.source}
          onChange={(source) => update({ source })}
          error={error("source")}
          testId={`${base}-source`}
        />
        <FormField htmlFor={`${base}-attribute`} label="Personalize attribute key" required error={error("attribute")}>
          <TextField
            id={`${base}-attribute`}
            value={row.attribute}
            onChange={(attribute) => update({ attribute })}
            error={error("attribute")}
            list={LIST_IDS.attributeKeys}
            placeholder="plan"
            testId={`${base}-attribute`}
          />
          {missing && <MissingInPersonalize kind="attribute" itemKey={key} data={data} testId={base} />}
        </FormField>
        <FormField htmlFor={`${base}-type`} label="Type">
          <SelectField
            id={`${base}-type`}
            options={TYPE_OPTIONS}
            value={row.type}
            onChange={(type) => update({ type })}
            testId={`${base}-type`}
          />
          <AudienceTypeNote row={row} />
        </FormField>
        <FormField
          htmlFor={`${base}-default`}
          label="Default value"
          error={error("defaultValue")}
          help="Sent when an event lacks the source path; empty sends nothing."
        >
          <TextField
            id={`${base}-default`}
            value={row.defaultValue}
            onChange={(defaultValue) => update({ defaultValue })}
            error={error("defaultValue")}
            describedBy={helpId(`${base}-default`)}
            testId={`${base}-default`}
          />
        </FormField>
      </div>
    </li>
  );
}
