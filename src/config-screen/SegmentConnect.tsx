import "./segment-connect.css";
import { useState } from "react";
import type { ConnectOutcome, SegmentProblem, SegmentSource, SegmentSourceConnection } from "../shared/segment-connect";
import { SEGMENT_ROLES } from "../shared/segment-connect";
import { ActionButton } from "../ui/ActionButton";
import { CheckboxField } from "../ui/CheckboxField";
import { formatWhen } from "../ui/format";
import { SecretField } from "../ui/SecretField";
import type { FormProps } from "./form";
import { useSegmentConnect, useSegmentDisconnect, useSegmentSources } from "./segment-api";
import { fieldError } from "./validation";

const STATE_LABELS: Record<SegmentSourceConnection["state"], string> = {
  not_connected: "Not connected",
  connected: "Connected, waiting for the first event",
  receiving: "Connected, Segment is delivering events",
  outdated: "Connected, differs from the mappings: Connect again to update",
};

/**
 * One-click connection: with a Segment Public API token the app creates (or updates) a Webhooks (Actions)
 * destination per chosen source, pointing at this installation's webhook with its authentication, batching and
 * one subscription per kind of mapped event. Disconnect removes only that destination.
 */
export function SegmentConnect({ data, dispatch, validation, installationUid }: FormProps & { installationUid: string }) {
  const token = data.serverConfiguration.segmentPublicApiToken;
  const sources = useSegmentSources(data, installationUid);
  const connect = useSegmentConnect(data, installationUid);
  const disconnect = useSegmentDisconnect(data);
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string, on: boolean) => setPicked((current) => (on ? [...new Set([...current, id])] : current.filter((x) => x !== id)));
  const list = sources.data?.sources ?? [];

  return (
    <section className="panel" aria-labelledby="segment-connect-title" data-test-id="segment-connect">
      <h3 id="segment-connect-title">Connect Segment in one click</h3>
      <SecretField
        id="segment-public-api-token"
        label="Segment Public API token (optional)"
        value={token}
        onChange={(segmentPublicApiToken) => dispatch({ type: "updateServer", patch: { segmentPublicApiToken } })}
        error={fieldError(validation, "serverConfiguration", "segmentPublicApiToken")}
        help={<LeastPrivileges />}
        testId="segment-public-api-token-input"
      />
      {!token && (
        <p className="hint" data-test-id="segment-connect-hint">
          Without a token, set up the destination by hand with the steps above.
        </p>
      )}
      {token && sources.isPending && <p className="hint" role="status">Loading the workspace&apos;s sources…</p>}
      {sources.isError && <p className="remote-state remote-state--error" role="alert">Could not list sources: {(sources.error as Error).message}</p>}
      {sources.data?.problem && <Problem problem={sources.data.problem} testId="segment-sources-problem" />}
      {list.length > 0 && (
        <>
          <ul className="segment-sources" aria-label="Segment sources" data-test-id="segment-sources">
            {list.map((source) => (
              <SourceRow
                key={source.id}
                source={source}
                picked={picked.includes(source.id)}
                onPick={(on) => toggle(source.id, on)}
                onDisconnect={() => disconnect.mutate(source.id)}
                disconnecting={disconnect.isPending && disconnect.variables === source.id}
                outcome={connect.data?.outcomes.find((outcome) => outcome.sourceId === source.id)}
              />
            ))}
          </ul>
          <div className="actions">
            <ActionButton
              buttonType="primary"
              onClick={() => connect.mutate(picked)}
              disabled={picked.length === 0}
              isLoading={connect.isPending}
              testId="segment-connect-button"
            >
              {picked.length > 1 ? `Connect ${picked.length} sources` : "Connect"}
            </ActionButton>
          </div>
        </>
      )}
      {connect.isError && <p className="remote-state remote-state--error" role="alert">Connect failed: {(connect.error as Error).message}</p>}
      {disconnect.data && !disconnect.data.ok && disconnect.data.problem && <Problem problem={disconnect.data.problem} testId="segment-disconnect-problem" />}
      {disconnect.data?.ok && (
        <p className="hint" role="status" data-test-id="segment-disconnect-result">
          {disconnect.data.removed.length > 0 ? `Removed: ${disconnect.data.removed.join(", ")}` : "Nothing to remove: no destination of this app was on that source."}
        </p>
      )}
    </section>
  );
}

/** "Created the destination and 3 subscriptions" from the writes Connect made (`POST /destinations …`). */
function describeChanges(changes: string[]): string {
  const count = (method: string, subscriptions: boolean) =>
    changes.filter((change) => change.startsWith(`${method} `) && change.includes("/subscriptions") === subscriptions).length;
  const parts = [
    count("POST", false) ? "created the destination" : "",
    count("PATCH", false) ? "updated the destination" : "",
    count("POST", true) ? `created ${count("POST", true)} subscription(s)` : "",
    count("PATCH", true) ? `updated ${count("PATCH", true)} subscription(s)` : "",
    count("DELETE", true) ? `removed ${count("DELETE", true)} subscription(s) no mapping needs` : "",
  ].filter(Boolean);
  return `In Segment: ${parts.join(", ")}.`;
}

function LeastPrivileges() {
  return (
    <span data-test-id="segment-token-privileges">
      A Workspace Owner creates it under Settings → Access Management → Tokens. Least privileges: <strong>{SEGMENT_ROLES.connect}</strong> on
      the sources you connect (to create the destination), <strong>{SEGMENT_ROLES.listSources}</strong> (sources and delivery overview),{" "}
      <strong>{SEGMENT_ROLES.trackingPlans}</strong> and <strong>{SEGMENT_ROLES.unify}</strong> (mapping suggestions). Kept on the server, never shown
      again.
    </span>
  );
}

function Problem({ problem, testId }: { problem: SegmentProblem; testId: string }) {
  return (
    <p className="remote-state remote-state--error" role="alert" data-test-id={testId}>
      {problem.message}
      {problem.missingRole && (
        <>
          {" "}
          Add the <strong data-test-id="segment-missing-role">{problem.missingRole}</strong> role to the token.
        </>
      )}
    </p>
  );
}

interface SourceRowProps {
  source: SegmentSource;
  picked: boolean;
  onPick: (on: boolean) => void;
  onDisconnect: () => void;
  disconnecting: boolean;
  outcome: ConnectOutcome | undefined;
}

function SourceRow({ source, picked, onPick, onDisconnect, disconnecting, outcome }: SourceRowProps) {
  const { connection } = source;
  return (
    <li className="segment-source" data-test-id={`segment-source-${source.id}`}>
      <CheckboxField id={`segment-source-${source.id}-pick`} label={`${source.name} (${source.slug})`} checked={picked} onChange={onPick} testId={`segment-source-pick-${source.id}`} />
      <span className={`segment-source__state segment-source__state--${connection.state}`} data-test-id="segment-source-state">
        {STATE_LABELS[connection.state]}
      </span>
      {connection.latestEvent && (
        <span className="hint" data-test-id="segment-source-latest-event">
          Latest event through Segment: {connection.latestEvent.type}
          {connection.latestEvent.name ? ` "${connection.latestEvent.name}"` : ""}, {formatWhen(connection.latestEvent.receivedAt, Date.now())}
        </span>
      )}
      {connection.destinationId && (
        <ActionButton buttonType="outline" onClick={onDisconnect} isLoading={disconnecting} testId={`segment-disconnect-${source.id}`} label={`Disconnect ${source.name}`}>
          Disconnect
        </ActionButton>
      )}
      {outcome && (
        <span className="hint" data-test-id="segment-connect-outcome">
          {outcome.ok
            ? outcome.changes.length > 0
              ? describeChanges(outcome.changes)
              : "Already connected as the mappings say; nothing changed."
            : null}
        </span>
      )}
      {outcome?.problem && <Problem problem={outcome.problem} testId="segment-connect-problem" />}
    </li>
  );
}
