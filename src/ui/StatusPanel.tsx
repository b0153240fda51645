import type { ReactNode } from "react";

interface StatusPanelProps {
  title: string;
  /** A wait (announced politely) rather than a problem (announced at once). */
  busy?: boolean;
  testId?: string;
  children?: ReactNode;
}

/** A whole-page state: loading, not inside Contentstack, wrong location, crash. */
export function StatusPanel({ title, busy = false, testId, children }: StatusPanelProps) {
  return (
    <div className="status-panel" role={busy ? "status" : "alert"} aria-busy={busy || undefined} data-test-id={testId}>
      <h1 className="status-panel__title">{title}</h1>
      {children}
    </div>
  );
}
