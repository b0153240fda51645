import { PROJECT_UID_PATTERN, type Configuration } from "../shared/installation-config";
import {
  REGION_LABELS,
  REGIONS,
  personalizeEdgeUrl,
  personalizeManagementUrl,
  type Region,
} from "../shared/regions";
import { useSdk } from "../sdk/hooks";
import { ActionButton } from "../ui/ActionButton";
import { FormField, helpId } from "../ui/FormField";
import { ErrorText, LoadingText } from "../ui/RemoteState";
import { SecretField } from "../ui/SecretField";
import { Section } from "../ui/Section";
import { SelectField, type SelectOption } from "../ui/SelectField";
import { TextField } from "../ui/TextField";
import { useTestConnection, type ConnectionCheck, type ConnectionTestResult } from "./api";
import type { FormProps } from "./form";
import { sectionAnchorId } from "./sections";
import { countErrors, fieldError } from "./validation";

type RegionChoice = Configuration["personalize"]["region"];
type TokenType = FormProps["data"]["serverConfiguration"]["personalizeManagementTokenType"];

const REGION_OPTIONS: SelectOption<RegionChoice>[] = [
  ...REGIONS.map((region) => ({ value: region, label: REGION_LABELS[region] })),
  { value: "CUSTOM", label: "Custom URL" },
];

const TOKEN_TYPE_OPTIONS: SelectOption<TokenType>[] = [
  { value: "authtoken", label: "User authtoken" },
  { value: "bearer", label: "OAuth bearer token" },
];

export function PersonalizeSection({ data, dispatch, validation }: FormProps) {
  const { personalize } = data.configuration;
  const server = data.serverConfiguration;
  const update = (patch: Partial<Configuration["personalize"]>) =>
    dispatch({ type: "updateSection", section: "personalize", patch });
  const error = (key: keyof Configuration["personalize"]) => fieldError(validation, "configuration", "personalize", key);
  const tokenError = fieldError(validation, "serverConfiguration", "personalizeManagementToken");
  const testConnection = useTestConnection();
  const projectUidValid = PROJECT_UID_PATTERN.test(personalize.projectUid.trim());
  const errorCount = countErrors(validation, "configuration", "personalize") + (tokenError ? 1 : 0);

  return (
    <Section title="Personalize" errorCount={errorCount} testId="section-personalize" anchorId={sectionAnchorId("personalize")}>
      <div className="field-grid">
        <FormField htmlFor="personalize-region" label="Region" help={<RegionHelp region={personalize.region} onUse={(region) => update({ region })} />}>
          <SelectField
            id="personalize-region"
            options={REGION_OPTIONS}
            value={personalize.region}
            onChange={(region) => update({ region })}
            testId="region-select"
          />
        </FormField>
        <FormField
          htmlFor="personalize-project-uid"
          label="Project UID"
          error={error("projectUid")}
          help="Personalize → Settings → General: the 24-character project UID."
        >
          <TextField
            id="personalize-project-uid"
            value={personalize.projectUid}
            onChange={(projectUid) => update({ projectUid })}
            error={error("projectUid")}
            describedBy={helpId("personalize-project-uid")}
            placeholder="24 letters and digits"
            testId="project-uid-input"
          />
        </FormField>
      </div>

      {personalize.region === "CUSTOM" && (
        <div className="field-grid">
          <FormField htmlFor="personalize-custom-edge-url" label="Edge API URL" required error={error("customEdgeUrl")}>
            <TextField
              id="personalize-custom-edge-url"
              type="url"
              value={personalize.customEdgeUrl}
              onChange={(customEdgeUrl) => update({ customEdgeUrl })}
              error={error("customEdgeUrl")}
              placeholder="https://personalize-edge.example.com"
              testId="custom-edge-url-input"
            />
          </FormField>
          <FormField
            htmlFor="personalize-custom-management-url"
            label="Management API URL"
            error={error("customManagementUrl")}
            help="Optional; needed to test the Management API and to list or create attributes and events."
          >
            <TextField
              id="personalize-custom-management-url"
              type="url"
              value={personalize.customManagementUrl}
              onChange={(customManagementUrl) => update({ customManagementUrl })}
              error={error("customManagementUrl")}
              describedBy={helpId("personalize-custom-management-url")}
              placeholder="https://personalize-api.example.com"
              testId="custom-management-url-input"
            />
          </FormField>
        </div>
      )}

      <div className="field-grid">
        <FormField htmlFor="personalize-token-type" label="Management API token type">
          <SelectField
            id="personalize-token-type"
            options={TOKEN_TYPE_OPTIONS}
            value={server.personalizeManagementTokenType}
            onChange={(personalizeManagementTokenType) =>
              dispatch({ type: "updateServer", patch: { personalizeManagementTokenType } })
            }
            testId="management-token-type-select"
          />
        </FormField>
        <SecretField
          id="personalize-management-token"
          label="Management API token"
          value={server.personalizeManagementToken}
          onChange={(personalizeManagementToken) => dispatch({ type: "updateServer", patch: { personalizeManagementToken } })}
          error={tokenError}
          help="Optional. Lets this screen check the Management API and list or create attributes and events. Kept in the server configuration only."
          testId="management-token-input"
        />
      </div>

      <div className="actions">
        <ActionButton
          buttonType="primary"
          isLoading={testConnection.isPending}
          disabled={!projectUidValid}
          onClick={() => testConnection.mutate(data)}
          testId="test-connection-button"
        >
          Test connection
        </ActionButton>
        {!projectUidValid && <span className="hint">Enter a valid project UID to test the connection.</span>}
      </div>
      {testConnection.isPending && <LoadingText>Testing the connection…</LoadingText>}
      {testConnection.isError && (
        <ErrorText context="Could not test the connection" error={testConnection.error} testId="test-connection-error" />
      )}
      {testConnection.data && <ConnectionResult result={testConnection.data} />}
    </Section>
  );
}

function RegionHelp({ region, onUse }: { region: RegionChoice; onUse: (region: Region) => void }) {
  const stackRegion = useSdk().region as string;
  const suggested = REGIONS.find((candidate) => candidate === stackRegion);
  return (
    <>
      {region !== "CUSTOM" && (
        <span>
          Edge API <code>{personalizeEdgeUrl(region)}</code>, Management API <code>{personalizeManagementUrl(region)}</code>
        </span>
      )}
      {suggested && suggested !== region && (
        <span className="hint-row">
          This stack runs in {REGION_LABELS[suggested]}.
          <ActionButton buttonType="tertiary" onClick={() => onUse(suggested)} testId="use-stack-region">
            {`Use ${REGION_LABELS[suggested]}`}
          </ActionButton>
        </span>
      )}
    </>
  );
}

function ConnectionResult({ result }: { result: ConnectionTestResult }) {
  return (
    <ul className="check-list" data-test-id="test-connection-result" aria-label="Connection test result">
      <CheckItem name="Edge API" check={result.edge} testId="test-connection-edge" />
      {result.management ? (
        <CheckItem name="Management API" check={result.management} testId="test-connection-management" />
      ) : (
        <li className="check-list__item" data-test-id="test-connection-management">
          <strong>Management API</strong>: not checked (no Management API token).
        </li>
      )}
      {result.segment && <CheckItem name="Segment (two-way sync)" check={result.segment} testId="test-connection-segment" />}
    </ul>
  );
}

function CheckItem({ name, check, testId }: { name: string; check: ConnectionCheck; testId: string }) {
  return (
    <li className={`check-list__item check-list__item--${check.ok ? "ok" : "failed"}`} data-test-id={testId}>
      <strong>{name}</strong>: {check.ok ? "OK" : "Failed"}
      {check.status !== null && ` (HTTP ${check.status})`}
      {check.message && ` · ${check.message}`}
    </li>
  );
}
