import type { ReactNode } from "react";
import { ActionButton } from "../ui/ActionButton";
import { EmptyText } from "../ui/RemoteState";
import { useFocusOnAdd } from "./useFocusOnAdd";

interface MappingRowListProps<Row extends { id: string }> {
  /** `attribute` or `event`: names the heading id and the add button's test id. */
  kind: string;
  /** The id in-page navigation scrolls to. */
  anchorId: string;
  title: string;
  intro: string;
  rows: Row[];
  renderRow(row: Row, index: number): ReactNode;
  /** The input that gets focus in a newly added row. */
  focusTarget(index: number): string;
  onAdd(): void;
}

/** A titled list of mapping rows with its empty state and an "Add" button that focuses the new row. */
export function MappingRowList<Row extends { id: string }>({ kind, anchorId, title, intro, rows, renderRow, focusTarget, onAdd }: MappingRowListProps<Row>) {
  const focusOnAdd = useFocusOnAdd(rows.length, focusTarget);
  return (
    <section id={anchorId} tabIndex={-1} className="subsection" aria-labelledby={`${kind}-mappings-title`}>
      <h3 id={`${kind}-mappings-title`}>{title}</h3>
      <p className="section-intro">{intro}</p>
      {rows.length === 0 ? (
        <EmptyText>{`No ${kind} mappings yet.`}</EmptyText>
      ) : (
        <ol className="mapping-rows">{rows.map(renderRow)}</ol>
      )}
      <ActionButton
        buttonType="secondary"
        onClick={() => {
          focusOnAdd();
          onAdd();
        }}
        testId={`add-${kind}-row`}
      >
        {`Add ${kind} mapping`}
      </ActionButton>
    </section>
  );
}
