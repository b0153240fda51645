import { useEffect, useRef } from "react";

/**
 * Keyboard users who add a row land in its first input instead of on the Add button. Call the returned function
 * right before dispatching the add; `firstInputId(index)` names the new row's first input.
 */
export function useFocusOnAdd(rowCount: number, firstInputId: (index: number) => string): () => void {
  const pending = useRef(false);
  useEffect(() => {
    if (!pending.current) return;
    pending.current = false;
    document.getElementById(firstInputId(rowCount - 1))?.focus();
  }, [rowCount, firstInputId]);
  return () => {
    pending.current = true;
  };
}
