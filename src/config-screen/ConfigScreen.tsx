import { useQuery } from "@tanstack/react-query";
import { useMemo, useReducer } from "react";
import { useSdk } from "../sdk/hooks";
import type { UiLocation } from "../sdk/types";
import { ErrorText, LoadingText } from "../ui/RemoteState";
import { StatusPanel } from "../ui/StatusPanel";
import "./config-screen.css";
import { EventTester } from "./EventTester";
import { initialInstallationData, installationReducer } from "./installation-state";
import { MappingsSection } from "./MappingsSection";
import { PersonalizeSection } from "./PersonalizeSection";
import { AlertsSection } from "./AlertsSection";
import { RetentionSection } from "./RetentionSection";
import { SectionNav } from "./SectionNav";
import { SegmentSection } from "./SegmentSection";
import { useInstallationSync } from "./useInstallationSync";
import { useShownValidation } from "./useLeftFields";
import { validateInstallation } from "./validation";
import { ValiditySummary } from "./ValiditySummary";

type AppConfigWidget = NonNullable<UiLocation["location"]["AppConfigWidget"]>;

/** The App Configuration location: edits the installation data; Contentstack draws and handles Save. */
export function ConfigScreen() {
  const sdk = useSdk();
  const widget = sdk.location.AppConfigWidget;
  if (!widget) {
    return (
      <StatusPanel title="App Configuration is not available here">
        <p>Contentstack did not provide the App Configuration API to this page.</p>
      </StatusPanel>
    );
  }
  return <StoredConfigLoader widget={widget} installationUid={sdk.installationUID} />;
}

function StoredConfigLoader({ widget, installationUid }: { widget: AppConfigWidget; installationUid: string }) {
  const stored = useQuery({
    queryKey: ["installation-data"],
    queryFn: () => widget.installation.getInstallationData(),
    staleTime: Infinity,
    retry: false,
  });
  if (stored.isPending) return <LoadingText>Loading the saved configuration…</LoadingText>;
  if (stored.isError) {
    return <ErrorText context="Could not read the saved configuration" error={stored.error} onRetry={() => void stored.refetch()} />;
  }
  return <ConfigForm widget={widget} stored={stored.data} installationUid={installationUid} />;
}

interface ConfigFormProps {
  widget: AppConfigWidget;
  stored: unknown;
  installationUid: string;
}

function ConfigForm({ widget, stored, installationUid }: ConfigFormProps) {
  const saved = useMemo(() => initialInstallationData(stored), [stored]);
  const savedProblems = useMemo(() => new Set(validateInstallation(saved).errors.keys()), [saved]);
  const [data, dispatch] = useReducer(installationReducer, saved);
  const validation = useMemo(() => validateInstallation(data), [data]);
  const syncFailure = useInstallationSync(widget, data, validation);
  const shown = useShownValidation(validation, savedProblems);
  const form = { data, dispatch, validation: shown.shown };
  return (
    <div className="config-screen" data-test-id="config-screen">
      <SectionNav validation={validation} />
      <main className="config-screen__content" onBlur={shown.onBlur}>
        <header className="config-screen__header">
          <h1>Segment → Personalize sync</h1>
          <p>Every change is handed to Contentstack as you make it; save with Contentstack&apos;s Save button.</p>
          <ValiditySummary validation={validation} syncFailure={syncFailure} onReveal={shown.markLeft} />
        </header>
        <PersonalizeSection {...form} />
        <SegmentSection {...form} installationUid={installationUid} savedSecrets={saved.serverConfiguration} />
        <MappingsSection {...form} />
        <EventTester {...form} />
        <RetentionSection {...form} />
        <AlertsSection {...form} />
      </main>
    </div>
  );
}
