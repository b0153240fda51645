import { ActionButton } from "../ui/ActionButton";
import { useExportLog } from "./api";
import type { LogFilters } from "./log-filters";

/** Downloads every row the filter matches, as CSV (the table's columns) or JSON (whole rows, secrets masked). */
export function ExportButtons({ filters }: { filters: LogFilters }) {
  const exportLog = useExportLog();
  const busy = exportLog.isPending ? exportLog.variables.format : null;
  return (
    <div className="export-buttons" role="group" aria-label="Export the filtered rows">
      {(["csv", "json"] as const).map((format) => (
        <ActionButton
          key={format}
          buttonType="outline"
          isLoading={busy === format}
          disabled={busy !== null}
          onClick={() => exportLog.mutate({ filters, format })}
          testId={`export-${format}`}
        >
          {`Export ${format.toUpperCase()}`}
        </ActionButton>
      ))}
    </div>
  );
}
