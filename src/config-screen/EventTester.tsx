import { useMemo, useState } from "react";
import { ActionButton } from "../ui/ActionButton";
import { formatWhen, prettyJson } from "../ui/format";
import { FormField } from "../ui/FormField";
import { EmptyText, ErrorText, LoadingText } from "../ui/RemoteState";
import { Section } from "../ui/Section";
import { SelectField } from "../ui/SelectField";
import { TextAreaField } from "../ui/TextAreaField";
import { usePreviewEvent, useRecentEvents, useSendEvent, type RecentEvent } from "./api";
import { parseEventJson } from "./event-json";
import type { FormProps } from "./form";
import { sectionAnchorId } from "./sections";
import { MappingSummary, RequestList } from "./TesterResult";
import { TesterAudienceImpact } from "./AudienceTypes";

const PLACEHOLDER = prettyJson({
  type: "identify",
  userId: "user-123",
  traits: { plan: "pro", email: "ada@example.com" },
});

/** Runs one Segment event through the current, unsaved configuration: as a dry run or for real. */
export function EventTester({ data }: FormProps) {
  const [text, setText] = useState("");
  const parsed = useMemo(() => parseEventJson(text), [text]);
  const preview = usePreviewEvent();
  const send = useSendEvent();
  const event = parsed.status === "ok" ? parsed.event : null;
  const busy = preview.isPending || send.isPending;

  return (
    <Section title="Event tester" testId="section-tester" anchorId={sectionAnchorId("event-tester")}>
      <RecentEventPicker onPick={(picked) => setText(prettyJson(picked.payload))} />
      <FormField
        htmlFor="tester-input"
        label="Segment event (JSON)"
        error={parsed.status === "invalid" ? parsed.message : undefined}
      >
        <TextAreaField
          id="tester-input"
          value={text}
          onChange={setText}
          error={parsed.status === "invalid" ? parsed.message : undefined}
          placeholder={PLACEHOLDER}
          rows={12}
          className="tester-input"
          testId="tester-input"
        />
      </FormField>
      <div className="actions">
        <ActionButton
          buttonType="primary"
          disabled={!event || busy}
          isLoading={preview.isPending}
          onClick={() => {
            send.reset();
            if (event) preview.mutate({ configuration: data.configuration, event });
          }}
          testId="tester-preview-button"
        >
          Preview
        </ActionButton>
        <ActionButton
          buttonType="secondary"
          disabled={!event || busy}
          isLoading={send.isPending}
          onClick={() => {
            preview.reset();
            if (event) send.mutate({ ...data, event });
          }}
          testId="tester-send-button"
        >
          Send for real
        </ActionButton>
        <span className="hint">Preview only shows the requests; Send for real delivers them to Personalize.</span>
      </div>

      {preview.isPending && <LoadingText>Mapping the event…</LoadingText>}
      {preview.isError && <ErrorText context="Preview failed" error={preview.error} testId="tester-error" />}
      {preview.data && (
        <div className="tester-result" data-test-id="tester-result">
          <MappingSummary mapping={preview.data.mapping} configuration={data.configuration} />
          <RequestList requests={preview.data.requests} configuration={data.configuration} testId="tester-requests" />
          <TesterAudienceImpact requests={preview.data.requests} />
        </div>
      )}

      {send.isPending && <LoadingText>Sending to Personalize…</LoadingText>}
      {send.isError && <ErrorText context="Sending failed" error={send.error} testId="tester-error" />}
      {send.data && (
        <div className="tester-result" data-test-id="tester-result">
          <RequestList requests={send.data.requests} configuration={data.configuration} testId="tester-requests" />
        </div>
      )}
    </Section>
  );
}

function RecentEventPicker({ onPick }: { onPick: (event: RecentEvent) => void }) {
  const recent = useRecentEvents();
  const [pickedId, setPickedId] = useState<string | null>(null);
  const items = recent.data?.items ?? [];

  let status = null;
  if (recent.isPending) status = <LoadingText>Loading recent events…</LoadingText>;
  else if (recent.isError) {
    status = <ErrorText context="Could not load recent events" error={recent.error} onRetry={() => void recent.refetch()} />;
  } else if (items.length === 0) status = <EmptyText>No events received yet; paste one below instead.</EmptyText>;

  return (
    <FormField htmlFor="tester-recent" label="Start from a recent event" help={status}>
      <div className="input-with-actions">
        <SelectField
          id="tester-recent"
          options={items.map((item) => ({ value: item.id, label: recentEventLabel(item) }))}
          value={pickedId}
          disabled={items.length === 0}
          placeholder={items.length === 0 ? "No recent events" : "Pick an event…"}
          onChange={(id) => {
            setPickedId(id);
            const item = items.find((candidate) => candidate.id === id);
            if (item) onPick(item);
          }}
          testId="tester-recent-select"
        />
        <ActionButton
          buttonType="tertiary"
          label="Reload recent events"
          isLoading={recent.isFetching}
          onClick={() => void recent.refetch()}
          testId="tester-recent-refresh"
        >
          Reload
        </ActionButton>
      </div>
    </FormField>
  );
}

function recentEventLabel(item: RecentEvent): string {
  const parts = [item.type, item.name ? `"${item.name}"` : null, item.userId ?? "anonymous", formatWhen(item.receivedAt)];
  return parts.filter(Boolean).join(" · ");
}
