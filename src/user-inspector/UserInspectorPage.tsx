/**
 * One user, on one screen: the verdict first, then the experiences next to what Personalize answers now, every
 * audience evaluated rule by rule, the attributes this app set (with what it dropped or converted), merges, and
 * "Forget this user".
 */
import { useState } from "react";
import { Link } from "react-router-dom";
import type { EvaluatedCombination, EvaluatedNode } from "../shared/audiences";
import type { AudienceVerdict, ExperienceVerdict, ForgetResult, UserInspection } from "../shared/user-inspector";
import { ActionButton } from "../ui/ActionButton";
import { EmptyText, ErrorText, LoadingText } from "../ui/RemoteState";
import { Section } from "../ui/Section";
import { useForgetUser, useRefreshInspection, useUserInspection } from "./api";
import { UserLookup } from "./UserLookup";

const dateTime = (at: number) => new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value)));

function ResultTag({ result, testId }: { result: boolean | null; testId?: string }) {
  const [tone, label] = result === true ? ["ok", "matched"] : result === false ? ["error", "not matched"] : ["warning", "cannot tell here"];
  return (
    <span className={`status-tag status-tag--${tone}`} data-test-id={testId} data-result={String(result)}>
      {label}
    </span>
  );
}

const OUTCOME_LABEL = { passes: "passes", fails: "fails", missing: "missing", wrong_type: "wrong type", cannot_evaluate: "cannot evaluate" } as const;
const OUTCOME_TONE = { passes: "ok", fails: "error", missing: "error", wrong_type: "error", cannot_evaluate: "warning" } as const;

function RuleTree({ node }: { node: EvaluatedNode }) {
  if (node.kind === "rule") {
    return (
      <li className="rule" data-test-id="audience-rule" data-outcome={node.outcome} data-attribute={node.attribute}>
        <span className={`status-tag status-tag--${OUTCOME_TONE[node.outcome]}`}>{OUTCOME_LABEL[node.outcome]}</span>
        <code>{node.preset ? `${node.attribute} (preset)` : node.attribute}</code> <span className="rule__condition">{node.inverted ? `NOT ${node.condition}` : node.condition}</span>
        <span className="rule__explanation">{node.explanation}</span>
      </li>
    );
  }
  return (
    <li className="rule-group">
      <span className="rule-group__label">
        {node.combinationType === "AND" ? "All of" : "Any of"} <ResultTag result={node.result} />
      </span>
      <ul>
        {node.rules.map((child, index) => (
          <RuleTree key={index} node={child} />
        ))}
      </ul>
    </li>
  );
}

function AudienceCard({ audience }: { audience: AudienceVerdict }) {
  const tree: EvaluatedCombination = audience.tree;
  return (
    <article className="audience" data-test-id="audience" data-name={audience.name} data-result={String(audience.result)}>
      <header className="audience__header">
        <h3>{audience.name}</h3>
        <ResultTag result={audience.result} />
      </header>
      <p className="audience__reason">{audience.reason}</p>
      <ul className="rule-tree">
        <RuleTree node={tree} />
      </ul>
    </article>
  );
}

function AudienceChips({ audiences, combinationType }: { audiences: ExperienceVerdict["variants"][number]["audiences"]; combinationType: "AND" | "OR" }) {
  if (audiences.length === 0) return <span className="hint">everyone (A/B split)</span>;
  return (
    <span className="audience-chips">
      {audiences.map((audience, index) => (
        <span key={audience.uid}>
          {index > 0 && <span className="hint"> {combinationType.toLowerCase()} </span>}
          <span className={`chip chip--${audience.result === true ? "ok" : audience.result === false ? "error" : "warning"}`}>{audience.name}</span>
        </span>
      ))}
    </span>
  );
}

function ExperienceCard({ experience }: { experience: ExperienceVerdict }) {
  const variantName = (shortUid: string | null) => (shortUid === null ? "no variant" : (experience.variants.find((v) => v.shortUid === shortUid)?.name ?? shortUid));
  const expected = experience.expectedKnown ? variantName(experience.expectedVariant) : "cannot tell from here";
  const answered = experience.manifestVariant === undefined ? "not asked" : experience.manifestVariant === null ? "no variant" : experience.manifestVariant.name;
  return (
    <article className="experience" data-test-id="experience" data-name={experience.name}>
      <header className="experience__header">
        <h3>
          {experience.name} <span className="hint">priority {experience.priority} · {experience.type.toLowerCase()} · {experience.status.toLowerCase()}</span>
        </h3>
      </header>
      <p className="experience__verdict" data-test-id="experience-verdict">
        {experience.verdict}
      </p>
      <dl className="experience__facts">
        <dt>Targets</dt>
        <dd>{experience.targeting ? <AudienceChips audiences={experience.targeting.audiences} combinationType={experience.targeting.combinationType} /> : "everyone"}</dd>
        <dt>The rules give</dt>
        <dd data-test-id="experience-expected">{expected}</dd>
        <dt>Personalize /manifest now</dt>
        <dd data-test-id="experience-manifest">{answered}</dd>
      </dl>
      <table className="inspector-table">
        <thead>
          <tr>
            <th>Variant</th>
            <th>Audiences</th>
          </tr>
        </thead>
        <tbody>
          {experience.variants.map((variant) => (
            <tr key={variant.shortUid} className={experience.manifestVariant?.shortUid === variant.shortUid ? "is-active" : undefined}>
              <td>{variant.name}</td>
              <td>
                <AudienceChips audiences={variant.audiences} combinationType={variant.combinationType} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

function AttributesTable({ view }: { view: UserInspection }) {
  if (view.attributes.length === 0) return <EmptyText>This app has set no attribute for this user in the log it keeps.</EmptyText>;
  return (
    <table className="inspector-table" data-test-id="user-attributes">
      <thead>
        <tr>
          <th>Attribute</th>
          <th>Value</th>
          <th>Type</th>
          <th>Set</th>
          <th>From</th>
        </tr>
      </thead>
      <tbody>
        {view.attributes.map((attribute) => (
          <tr key={attribute.key} data-test-id="user-attribute" data-key={attribute.key}>
            <td>
              <code>{attribute.key}</code>
            </td>
            <td>
              <code>{shown(attribute.value)}</code>
            </td>
            <td>{attribute.type}</td>
            <td>{dateTime(attribute.setAt)}</td>
            <td>
              {attribute.eventLogId !== null ? <Link to={{ search: `?row=${attribute.eventLogId}` }}>{attribute.event}</Link> : <Link to={{ search: `?row=${attribute.requestLogId}` }}>request</Link>}
              {" · "}
              <code>{attribute.source}</code>
              {attribute.mergedFrom && <span className="hint"> · merged from {attribute.mergedFrom}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const WARNING_TONE = { dropped: "error", failed: "error", filtered: "warning", converted: "info", pending: "info", note: "muted" } as const;

function Warnings({ view }: { view: UserInspection }) {
  if (view.warnings.length === 0) return <EmptyText>Nothing was dropped, converted or refused.</EmptyText>;
  return (
    <ul className="warnings" data-test-id="user-warnings">
      {view.warnings.map((warning, index) => (
        <li key={index} data-test-id="user-warning" data-kind={warning.kind}>
          <span className={`status-tag status-tag--${WARNING_TONE[warning.kind]}`}>{warning.kind}</span>
          <span>{warning.message}</span>
          <Link to={{ search: `?row=${warning.logId}` }} className="hint">
            {dateTime(warning.at)}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function ForgetUser({ userId }: { userId: string }) {
  const forget = useForgetUser(userId);
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<ForgetResult | null>(null);
  if (result) {
    return (
      <div className="forget" data-test-id="forget-result" role="status">
        <p>
          Removed {result.removed} log row{result.removed === 1 ? "" : "s"} of {userId}; an audit row without the id records the request.
        </p>
        <p>This app cannot remove:</p>
        <ul>
          {result.cannotRemove.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div className="forget">
      {confirming ? (
        <>
          <span>Remove every settled log row and payload of {userId}? This cannot be undone.</span>
          <ActionButton buttonType="destructive" isLoading={forget.isPending} onClick={() => forget.mutate(undefined, { onSuccess: setResult })} testId="forget-confirm">
            Remove
          </ActionButton>
          <ActionButton buttonType="tertiary" onClick={() => setConfirming(false)}>
            Cancel
          </ActionButton>
        </>
      ) : (
        <ActionButton buttonType="outline" onClick={() => setConfirming(true)} testId="forget-user">
          Forget this user…
        </ActionButton>
      )}
    </div>
  );
}

export function UserInspectorPage({ userId }: { userId: string }) {
  const inspection = useUserInspection(userId);
  const refresh = useRefreshInspection(userId);
  const view = inspection.data;
  const active = view?.experiences.filter((experience) => experience.status === "ACTIVE") ?? [];
  const inactive = view?.experiences.filter((experience) => experience.status !== "ACTIVE") ?? [];

  return (
    <main className="page user-inspector" data-test-id="user-inspector">
      <header className="user-inspector__header">
        <div>
          <Link to={{ search: "" }} className="hint" data-test-id="back-to-log">
            ← Sync log
          </Link>
          <h1>
            User <code data-test-id="inspected-user">{userId}</code>
          </h1>
        </div>
        <div className="user-inspector__actions">
          <UserLookup initial={userId} />
          <ActionButton buttonType="secondary" isLoading={refresh.isPending} onClick={() => refresh.mutate()} testId="inspector-refresh">
            Re-read audiences
          </ActionButton>
        </div>
      </header>

      {inspection.isPending && <LoadingText>Reading this user's log and the project's audiences…</LoadingText>}
      {inspection.isError && <ErrorText context="Could not inspect this user" error={inspection.error} onRetry={() => void inspection.refetch()} testId="inspector-error" />}
      {view && (
        <>
          <p className="verdict" data-test-id="user-verdict" role="status">
            {view.verdict}
          </p>
          {view.definitions.ok ? (
            <p className="hint" data-test-id="definitions-read-at">
              Audiences and experiences as Personalize's Management API listed them at {dateTime(view.definitions.fetchedAt)}; this user's {view.logRows} newest log
              row{view.logRows === 1 ? "" : "s"} read.
            </p>
          ) : (
            <p className="hint">Audiences and experiences are unavailable: {view.definitions.reason}</p>
          )}
          {!view.manifest.ok && view.manifest.reason !== "not asked" && <p className="hint">Personalize /manifest: {view.manifest.reason}</p>}
          {view.truncated && <p className="hint">Only the newest {view.logRows} log rows of this user were read.</p>}

          <Section title={`Experiences (${active.length} active)`} testId="inspector-experiences">
            {active.length === 0 ? <EmptyText>No active experience.</EmptyText> : active.map((experience) => <ExperienceCard key={experience.shortUid} experience={experience} />)}
            {inactive.length > 0 && <p className="hint">Not active: {inactive.map((experience) => `${experience.name} (${experience.status.toLowerCase()})`).join(", ")}</p>}
          </Section>
          <Section title={`Audiences (${view.audiences.filter((a) => a.result === true).length} of ${view.audiences.length} matched)`} testId="inspector-audiences">
            <div className="audiences">
              {view.audiences.map((audience) => (
                <AudienceCard key={audience.uid} audience={audience} />
              ))}
            </div>
          </Section>
          <Section title="Attributes this app set in Personalize" testId="inspector-attributes">
            <AttributesTable view={view} />
          </Section>
          <Section title={`Dropped, converted and refused values (${view.warnings.length})`} testId="inspector-warnings">
            <Warnings view={view} />
          </Section>
          <Section title={`Merges (${view.merges.length})`} testId="inspector-merges" defaultOpen={view.merges.length > 0}>
            {view.merges.length === 0 ? (
              <EmptyText>No merge involves this user.</EmptyText>
            ) : (
              <ol className="merges">
                {view.merges.map((merge) => (
                  <li key={merge.logId}>
                    {dateTime(merge.at)}: <code>{merge.sourceUserUid}</code> merged into <code>{merge.targetUserUid}</code> ({merge.status.replace("_", " ")})
                  </li>
                ))}
              </ol>
            )}
          </Section>
          <Section title="Privacy" testId="inspector-privacy" defaultOpen={false}>
            <ForgetUser userId={userId} />
          </Section>
        </>
      )}
    </main>
  );
}
