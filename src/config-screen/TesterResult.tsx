import type { Configuration } from "../shared/installation-config";
import type { PreviewResult, SentRequest, TesterRequest } from "./api";
import { describeSources, nameMappingRows } from "./mapping-sources";
import { capitalize, prettyJson } from "../ui/format";
import { HeaderTable } from "../ui/HeaderTable";

export function MappingSummary({ mapping, configuration }: { mapping: PreviewResult["mapping"]; configuration: Configuration }) {
  const named = (text: string) => capitalize(nameMappingRows(text, configuration));
  const notes = Array.isArray(mapping.notes) ? mapping.notes.map((note) => named(String(note))) : [];
  return (
    <div className="tester-summary" data-test-id="tester-mapping">
      <p>
        Personalize user: <code>{mapping.userUid ?? "none (the event would be skipped)"}</code>
      </p>
      {notes.length > 0 && (
        <ul className="plain-list notes">
          {notes.map((note, index) => (
            <li key={index}>{note}</li>
          ))}
        </ul>
      )}
      <JsonDetails summary="Attribute operations" value={mapping.operations} configuration={configuration} />
      <JsonDetails summary="Filtered out" value={mapping.filtered} configuration={configuration} />
      <JsonDetails summary="Engage" value={mapping.engage} configuration={configuration} />
    </div>
  );
}

interface RequestListProps {
  requests: (TesterRequest | SentRequest)[];
  configuration: Configuration;
  testId: string;
}

export function RequestList({ requests, configuration, testId }: RequestListProps) {
  if (requests.length === 0) {
    return (
      <p className="remote-state remote-state--empty" data-test-id={testId}>
        No requests: nothing in this event maps to Personalize.
      </p>
    );
  }
  return (
    <ol className="request-list" data-test-id={testId}>
      {requests.map((request, index) => (
        <RequestCard key={index} request={request} configuration={configuration} testId={`${testId}-${index}`} />
      ))}
    </ol>
  );
}

function RequestCard({ request, configuration, testId }: { request: TesterRequest | SentRequest; configuration: Configuration; testId: string }) {
  const rows = describeSources(request.sources, configuration);
  return (
    <li className="request-card" data-test-id={testId}>
      <p className="request-card__line">
        <span className="request-card__kind">{request.kind}</span> <strong>{request.method}</strong>{" "}
        <code className="request-card__url">{request.url}</code>
      </p>
      <HeaderTable headers={request.headers} />
      {request.body !== undefined && request.body !== null && <pre className="code-block">{prettyJson(request.body)}</pre>}
      <div className="request-card__sources">
        <strong>Produced by:</strong>{" "}
        {rows.length > 0 ? (
          <ul className="plain-list">
            {rows.map((row) => (
              <li key={row}>{row}</li>
            ))}
          </ul>
        ) : (
          <code>{nameMappingRows(prettyJson(request.sources), configuration)}</code>
        )}
      </div>
      {"response" in request && <Outcome request={request} />}
    </li>
  );
}

function Outcome({ request }: { request: SentRequest }) {
  if (request.error) {
    return (
      <p className="request-card__outcome request-card__outcome--failed" role="alert">
        Not delivered: {request.error}
      </p>
    );
  }
  if (!request.response) return <p className="request-card__outcome">Not sent.</p>;
  const { status, latencyMs, body } = request.response;
  const ok = status >= 200 && status < 300;
  return (
    <div className={`request-card__outcome request-card__outcome--${ok ? "ok" : "failed"}`}>
      <p>
        Personalize answered <strong>HTTP {status}</strong> in {Math.round(latencyMs)} ms.
      </p>
      {body !== undefined && body !== null && body !== "" && <pre className="code-block">{prettyJson(body)}</pre>}
    </div>
  );
}

function JsonDetails({ summary, value, configuration }: { summary: string; value: unknown; configuration: Configuration }) {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return null;
  return (
    <details>
      <summary>{summary}</summary>
      <pre className="code-block">{nameMappingRows(prettyJson(value), configuration)}</pre>
    </details>
  );
}
