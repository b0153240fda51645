import { ActionButton } from "../ui/ActionButton";
import { formatNumber } from "./log-format";
import type { StreamStatus } from "./useLogStream";

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  stopped: "Live updates stopped",
};

interface LiveControlsProps {
  status: StreamStatus;
  paused: boolean;
  waiting: number;
  onPausedChange: (paused: boolean) => void;
}

/** Whether new rows arrive by themselves, and the pause toggle (with how many new rows wait while paused). */
export function LiveControls({ status, paused, waiting, onPausedChange }: LiveControlsProps) {
  return (
    <div className="live-controls">
      <span className={`live-status live-status--${paused ? "paused" : status}`} role="status" data-test-id="live-status" data-status={paused ? "paused" : status}>
        {paused ? "Paused" : STATUS_TEXT[status]}
      </span>
      <ActionButton
        buttonType="outline"
        pressed={paused}
        label={paused ? "Resume live updates" : "Pause live updates"}
        onClick={() => onPausedChange(!paused)}
        testId="live-pause"
      >
        {paused ? `Resume${waiting ? ` (${formatNumber(waiting)} new)` : ""}` : "Pause"}
      </ActionButton>
    </div>
  );
}
