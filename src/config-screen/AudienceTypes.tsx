/**
 * What the Personalize project's audience rules say about types, on the config screen: a mapping row whose
 * declared type contradicts a rule, the Engage computations that feed audiences, and in the event tester which
 * rules each value would satisfy or break. The server derives all of it (server/audiences).
 */
import { useQuery } from "@tanstack/react-query";
import type { AttributeRequirement, ImpactResponse, RequirementsResponse } from "../shared/audiences";
import type { AttributeMapping, InstallationData } from "../shared/installation-config";
import { useApi } from "../sdk/hooks";
import type { PersonalizeCatalog, TesterRequest } from "./api";
import { MissingInPersonalize } from "./MissingInPersonalize";

const TYPE_WORDS: Record<AttributeRequirement["type"], string> = {
  string: "text",
  number: "a number",
  boolean: "a boolean",
  date: "a date",
  json: "JSON",
  list: "a list",
};

const names = (audiences: readonly string[]) => audiences.map((name) => `“${name}”`).join(", ");

export function useAudienceRequirements() {
  const api = useApi();
  return useQuery({
    queryKey: ["audience-requirements"],
    queryFn: ({ signal }) => api.get<RequirementsResponse>("/api/audiences/requirements", signal),
    staleTime: 60_000,
  });
}

/** Under a mapping row's type: a contradiction with an audience rule (flagged), or the coercion an `auto` row gets. */
export function AudienceTypeNote({ row }: { row: AttributeMapping }) {
  const requirements = useAudienceRequirements().data;
  if (!requirements?.ok) return null;
  const requirement = requirements.requirements.find((candidate) => candidate.key === row.attribute.trim());
  if (!requirement) return null;
  const wanted = TYPE_WORDS[requirement.type];
  if (row.type === "auto") {
    return (
      <p className="hint" data-test-id="audience-type-note">
        Sent as {wanted}: audience{requirement.audiences.length === 1 ? "" : "s"} {names(requirement.audiences)} compare{requirement.audiences.length === 1 ? "s" : ""} it so.
      </p>
    );
  }
  if (row.type === requirement.type) return null;
  return (
    <p className="field-warning" role="alert" data-test-id="audience-type-conflict">
      Audience{requirement.audiences.length === 1 ? "" : "s"} {names(requirement.audiences)} compare{requirement.audiences.length === 1 ? "s" : ""}{" "}
      <code>{requirement.key}</code> as {wanted}, but this row sends {row.type === "date" ? "a date" : `a ${row.type}`}: those rules will never match.
    </p>
  );
}

interface EngageFeedsProps {
  /** The prefix as typed, which may not be saved yet. */
  prefix: string;
  /** Present once loaded; then an attribute the prefix targets that it lacks is flagged. */
  catalog: PersonalizeCatalog | undefined;
  data: InstallationData;
}

/**
 * In the Engage section: which computed traits and audiences (seen in recent traffic) feed which Personalize
 * audiences, and the attribute each would set with the prefix as typed, flagged when Personalize lacks it.
 */
export function EngageFeeds({ prefix, catalog, data }: EngageFeedsProps) {
  const requirements = useAudienceRequirements().data;
  if (!requirements?.ok || requirements.engage.length === 0) return null;
  return (
    <div data-test-id="engage-feeds">
      <p className="remote-state">Engage computations seen in recent events, and the Personalize audiences that read them:</p>
      <ul className="plain-list">
        {requirements.engage.map((feed, index) => {
          const attribute = `${prefix}${feed.computationKey}`;
          const missing = catalog !== undefined && !catalog.attributes.some((candidate) => candidate.key === attribute);
          return (
            <li key={feed.computationKey} data-test-id="engage-feed" data-key={feed.computationKey}>
              <code>{feed.computationKey}</code> ({feed.computationClass.replace("_", " ")}) → <code>{attribute}</code>:{" "}
              {feed.audiences.length ? names(feed.audiences) : "no audience reads it yet"}
              {missing && <MissingInPersonalize kind="attribute" itemKey={attribute} data={data} testId={`engage-feed-${index}`} />}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** In the event tester: for each attribute the preview would PATCH, its required type and the rules it satisfies or breaks. */
export function TesterAudienceImpact({ requests }: { requests: readonly TesterRequest[] }) {
  const api = useApi();
  const attributes = Object.assign({}, ...requests.filter((request) => request.kind === "attributes").map((request) => request.body as Record<string, unknown>));
  const keys = JSON.stringify(attributes);
  const impact = useQuery({
    queryKey: ["audience-impact", keys],
    queryFn: ({ signal }) => api.post<ImpactResponse>("/api/audiences/impact", { attributes }, signal),
    enabled: Object.keys(attributes).length > 0,
  });
  if (!impact.data?.ok) return null;
  return (
    <table className="tester-impact" data-test-id="tester-audience-impact">
      <thead>
        <tr>
          <th>Attribute</th>
          <th>Value</th>
          <th>Audiences need</th>
          <th>Audience rules</th>
        </tr>
      </thead>
      <tbody>
        {impact.data.attributes.map((attribute) => (
          <tr key={attribute.key} data-test-id="tester-impact-row" data-key={attribute.key}>
            <td>
              <code>{attribute.key}</code>
            </td>
            <td>
              <code>{JSON.stringify(attribute.value)}</code>
            </td>
            <td>{attribute.requiredType ? TYPE_WORDS[attribute.requiredType] : "any type"}</td>
            <td>
              {attribute.audiences.length === 0
                ? "no audience reads it"
                : attribute.audiences.map((effect, index) => (
                    <div key={index} data-effect={effect.effect}>
                      {effect.effect === "satisfies" ? "✓" : effect.effect === "breaks" ? "✗" : "?"} “{effect.audience}”: {effect.explanation}
                    </div>
                  ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
