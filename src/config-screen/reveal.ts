const FOCUSABLE = "input, select, textarea, button, [tabindex]";

/**
 * Brings an element of the config screen into view: opens the collapsed section around it (venus Accordion keeps
 * collapsed content mounted but hidden), scrolls to it and focuses it, or the first control inside it.
 */
export function revealElement(elementId: string, options: { block: ScrollLogicalPosition }): boolean {
  const element = document.getElementById(elementId);
  if (!element) return false;
  // A section's anchor wraps its Accordion; a field sits inside one.
  const collapsed = element.querySelector(":scope > .Accordion-close") ?? element.closest(".Accordion-close");
  const finish = () => {
    element.scrollIntoView({ block: options.block });
    const target = element.matches(FOCUSABLE) ? element : element.querySelector<HTMLElement>(FOCUSABLE);
    target?.focus({ preventScroll: true });
  };
  if (collapsed) {
    collapsed.querySelector<HTMLElement>(".Accordion__heading")?.click();
    // The Accordion shows its content on its next render.
    requestAnimationFrame(finish);
  } else finish();
  return true;
}
