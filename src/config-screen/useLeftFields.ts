import { useCallback, useMemo, useState, type FocusEvent } from "react";
import { placeOf } from "./problem-wording";
import { pathOfKey, type InstallationValidation } from "./validation";

/**
 * Which fields of a mapping row the admin has left, so that a new, empty row is not red before anything is typed:
 * a field's message shows once focus has left it. A row that already had content when it appeared (a saved
 * mapping) shows its messages at once. `fieldOf` maps a control's element id to the field it edits.
 */
export function useLeftFields(startsFilled: boolean, fieldOf: (elementId: string) => string | null) {
  const [showAll] = useState(startsFilled);
  const [left, setLeft] = useState<ReadonlySet<string>>(new Set());
  const onBlur = useCallback(
    (event: FocusEvent) => {
      const field = event.target instanceof HTMLElement ? fieldOf(event.target.id) : null;
      if (field && !left.has(field)) setLeft(new Set([...left, field]));
    },
    [fieldOf, left],
  );
  const shown = useCallback((field: string, message: string | undefined) => (showAll || left.has(field) ? message : undefined), [showAll, left]);
  return { onBlur, shown };
}

const FIELD_OF_SUFFIX: Record<string, string> = {
  source: "source",
  attribute: "attribute",
  type: "type",
  default: "defaultValue",
  "segment-event": "segmentEvent",
  "personalize-event": "personalizeEvent",
  condition: "condition",
};

/** The field a mapping row's control edits, from its id (`attribute-row-2-default` → `defaultValue`). */
export function fieldOfControl(base: string): (elementId: string) => string | null {
  return (elementId) => (elementId.startsWith(`${base}-`) ? (FIELD_OF_SUFFIX[elementId.slice(base.length + 1)] ?? null) : null);
}

/**
 * The validation the form's fields show: a field outside the mapping rows (which gate their own messages above)
 * shows its message once it has been left, or at once when it was already wrong as saved, so typing does not turn
 * a field red at the first key. Contentstack's validity and the navigation keep counting every problem.
 */
export function useShownValidation(validation: InstallationValidation, savedProblems: ReadonlySet<string>) {
  const [left, setLeft] = useState<ReadonlySet<string>>(new Set());
  const markLeft = useCallback((elementId: string) => setLeft((previous) => (previous.has(elementId) ? previous : new Set([...previous, elementId]))), []);
  const onBlur = useCallback(
    (event: FocusEvent) => {
      if (event.target instanceof HTMLElement && event.target.id) markLeft(event.target.id);
    },
    [markLeft],
  );
  const shown = useMemo<InstallationValidation>(() => {
    const errors = new Map<string, string>();
    for (const [key, message] of validation.errors) {
      const path = pathOfKey(key);
      const inRows = path[1] === "attributeMappings" || path[1] === "eventMappings";
      const place = placeOf(path);
      if (inRows || savedProblems.has(key) || !place || left.has(place.elementId)) errors.set(key, message);
    }
    return { ...validation, errors };
  }, [validation, savedProblems, left]);
  return { shown, onBlur, markLeft };
}
