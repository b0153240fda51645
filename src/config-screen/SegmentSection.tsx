import type { Configuration } from "../shared/installation-config";
import { SEGMENT_REGIONS, segmentTrackingHost, type SegmentRegion } from "../shared/regions";
import { CopyField } from "../ui/CopyField";
import { FormField, helpId } from "../ui/FormField";
import { SecretField } from "../ui/SecretField";
import { Section } from "../ui/Section";
import { SelectField, type SelectOption } from "../ui/SelectField";
import { TextField } from "../ui/TextField";
import { ToggleField } from "../ui/ToggleField";
import type { FormProps } from "./form";
import { sectionAnchorId } from "./sections";
import { SegmentConnect } from "./SegmentConnect";
import { newBearerToken, newSharedSecret, newWriteKey } from "./random";
import { countErrors, fieldError } from "./validation";

const SEGMENT_REGION_LABELS: Record<SegmentRegion, string> = { US: "United States (Oregon)", EU: "Europe (Dublin)" };
const SEGMENT_REGION_OPTIONS: SelectOption<SegmentRegion>[] = SEGMENT_REGIONS.map((region) => ({
  value: region,
  label: SEGMENT_REGION_LABELS[region],
}));

type ServerConfiguration = FormProps["data"]["serverConfiguration"];

const SEGMENT_SECRETS = ["webhookSharedSecret", "webhookBearerToken", "trackingWriteKey", "segmentWriteKey", "segmentPublicApiToken"] as const;

interface SegmentSectionProps extends FormProps {
  installationUid: string;
  /** The secrets Contentstack held when the screen opened; "Generate" asks before replacing one of them. */
  savedSecrets: ServerConfiguration;
}

export function SegmentSection({ data, dispatch, validation, installationUid, savedSecrets }: SegmentSectionProps) {
  const { segment, twoWay } = data.configuration;
  const server = data.serverConfiguration;
  const origin = window.location.origin;
  const webhookUrl = `${origin}/ingest/segment/${installationUid}`;
  const setSecret = (patch: Partial<ServerConfiguration>) => dispatch({ type: "updateServer", patch });
  const secretError = (key: keyof ServerConfiguration) => fieldError(validation, "serverConfiguration", key);
  const updateTwoWay = (patch: Partial<Configuration["twoWay"]>) =>
    dispatch({ type: "updateSection", section: "twoWay", patch });
  const twoWayError = (key: keyof Configuration["twoWay"]) => fieldError(validation, "configuration", "twoWay", key);
  const errorCount =
    countErrors(validation, "configuration", "segment") +
    countErrors(validation, "configuration", "twoWay") +
    SEGMENT_SECRETS.filter((key) => secretError(key)).length;

  return (
    <Section title="Segment" errorCount={errorCount} testId="section-segment" anchorId={sectionAnchorId("segment")}>
      <FormField
        htmlFor="segment-region"
        label="Segment data region"
        help="Where your Segment workspace stores data; the two-way sync sends to this region's Tracking API, and Connect calls this region's Public API."
      >
        <SelectField
          id="segment-region"
          options={SEGMENT_REGION_OPTIONS}
          value={segment.region}
          onChange={(region) => dispatch({ type: "updateSection", section: "segment", patch: { region } })}
          testId="segment-region-select"
        />
      </FormField>

      <SegmentConnect data={data} dispatch={dispatch} validation={validation} installationUid={installationUid} />

      <section className="panel" aria-labelledby="segment-inbound-title">
        <h3 id="segment-inbound-title">Inbound: Segment → this app</h3>
        <CopyField
          id="segment-webhook-url"
          label="Webhook URL"
          value={webhookUrl}
          help="Segment's Webhooks (Actions) destination posts events here."
          testId="webhook-url"
        />
        <div className="field-grid">
          <SecretField
            id="segment-shared-secret"
            label="Shared secret"
            value={server.webhookSharedSecret}
            onChange={(webhookSharedSecret) => setSecret({ webhookSharedSecret })}
            error={secretError("webhookSharedSecret")}
            help="Segment signs every request with it (X-Signature header)."
            generate={newSharedSecret}
            savedValue={savedSecrets.webhookSharedSecret}
            copyable
            testId="shared-secret-input"
          />
          <SecretField
            id="segment-bearer-token"
            label="Bearer token (optional)"
            value={server.webhookBearerToken}
            onChange={(webhookBearerToken) => setSecret({ webhookBearerToken })}
            error={secretError("webhookBearerToken")}
            help="Accepted instead of a signature (Authorization: Bearer <token>). Weaker: anyone who sees one request can reuse it."
            generate={newBearerToken}
            savedValue={savedSecrets.webhookBearerToken}
            copyable
            testId="bearer-token-input"
          />
        </div>
        {!server.webhookSharedSecret && !server.webhookBearerToken && (
          <p className="hint" role="note" data-test-id="inbound-auth-hint">
            Set a shared secret (or a bearer token) so the app can tell your Segment workspace&apos;s requests from anyone
            else&apos;s.
          </p>
        )}
        <WebhookSetupSteps webhookUrl={webhookUrl} withBearer={Boolean(server.webhookBearerToken)} />

        <h4>Or send with a Segment library (Tracking API)</h4>
        <div className="field-grid">
          <SecretField
            id="segment-tracking-write-key"
            label="Tracking API write key"
            value={server.trackingWriteKey}
            onChange={(trackingWriteKey) => setSecret({ trackingWriteKey })}
            error={secretError("trackingWriteKey")}
            help="The write key this app accepts on its Segment-compatible Tracking API."
            generate={newWriteKey}
            savedValue={savedSecrets.trackingWriteKey}
            copyable
            testId="tracking-write-key-input"
          />
          <CopyField id="segment-tracking-host" label="Tracking API host" value={origin} testId="tracking-host" />
        </div>
        <pre className="code-block" aria-label="analytics-node example">
          {`import { Analytics } from "@segment/analytics-node";\nconst analytics = new Analytics({ writeKey: "<Tracking API write key>", host: "${origin}" });`}
        </pre>
      </section>

      <section className="panel" aria-labelledby="segment-two-way-title">
        <h3 id="segment-two-way-title">Two-way: Personalize → Segment</h3>
        <div className="toggle-row">
          <ToggleField
            id="segment-two-way-enabled"
            label="Send experiment exposures to Segment"
            checked={twoWay.enabled}
            onChange={(enabled) => updateTwoWay({ enabled })}
            testId="two-way-enabled"
          />
        </div>
        <div className="field-grid">
          <SecretField
            id="segment-source-write-key"
            label="Segment source write key"
            value={server.segmentWriteKey}
            onChange={(segmentWriteKey) => setSecret({ segmentWriteKey })}
            error={secretError("segmentWriteKey")}
            help={
              <>
                Write key of your own Segment source; events go to <code>{segmentTrackingHost(segment.region)}</code>.
              </>
            }
            testId="segment-write-key-input"
          />
          <FormField htmlFor="segment-two-way-event" label="Event name" required error={twoWayError("eventName")}>
            <TextField
              id="segment-two-way-event"
              value={twoWay.eventName}
              onChange={(eventName) => updateTwoWay({ eventName })}
              error={twoWayError("eventName")}
              testId="two-way-event-name-input"
            />
          </FormField>
          <FormField
            htmlFor="segment-two-way-trait"
            label="Identify trait (optional)"
            error={twoWayError("identifyTrait")}
            help="When set, an identify call also stores the experiment variant in this trait."
          >
            <TextField
              id="segment-two-way-trait"
              value={twoWay.identifyTrait}
              onChange={(identifyTrait) => updateTwoWay({ identifyTrait })}
              error={twoWayError("identifyTrait")}
              describedBy={helpId("segment-two-way-trait")}
              placeholder="e.g. personalize_variant"
              testId="two-way-identify-trait-input"
            />
          </FormField>
        </div>
      </section>
    </Section>
  );
}

function WebhookSetupSteps({ webhookUrl, withBearer }: { webhookUrl: string; withBearer: boolean }) {
  return (
    <ol className="steps" aria-label="Add the Segment destination" data-test-id="segment-setup-steps">
      <li>
        In Segment, open Connections → Catalog → Destinations, add <strong>Webhooks (Actions)</strong> and connect it
        to your source.
      </li>
      <li>
        In its Settings, paste the shared secret above into <strong>Shared Secret</strong>; Segment then signs each
        request&apos;s whole body in an <code>X-Signature</code> header. Requests that are unsigned, or signed over only part
        of the body, are refused.
      </li>
      <li>
        Add a mapping with the <strong>Send</strong> action: URL <code>{webhookUrl}</code>, Method <strong>POST</strong>,
        Data left at its default (the whole event).
      </li>
      {withBearer && (
        <li>
          Under Headers add <code>Authorization</code> with the value <code>Bearer &lt;bearer token&gt;</code>.
        </li>
      )}
      <li>
        Leave <strong>Enable Batching</strong> off, so that every request is one event signed in full. (With batching on,
        batches are accepted only when the signature covers the whole batch.)
      </li>
      <li>Save, then enable the mapping and the destination.</li>
    </ol>
  );
}
