import { Accordion } from "@contentstack/venus-components";
import type { ReactNode } from "react";

interface SectionProps {
  title: string;
  /** Shown next to the title while the section has validation problems. */
  errorCount?: number;
  defaultOpen?: boolean;
  testId?: string;
  /** Makes the section a target of in-page navigation (focusable, not in the tab order). */
  anchorId?: string;
  children: ReactNode;
}

/** One collapsible part of a page (venus `Accordion`, typed `any`). Content stays mounted while collapsed. */
export function Section({ title, errorCount = 0, defaultOpen = true, testId, anchorId, children }: SectionProps) {
  const accordion = (
    <Accordion
      title={title}
      version="v2"
      renderExpanded={defaultOpen}
      preRender
      errorMessage={errorCount > 0 ? `${errorCount} problem${errorCount === 1 ? "" : "s"}` : undefined}
      testId={testId}
      className="section"
    >
      <div className="section__body">{children}</div>
    </Accordion>
  );
  if (!anchorId) return accordion;
  return (
    <div id={anchorId} tabIndex={-1} className="section-anchor">
      {accordion}
    </div>
  );
}
