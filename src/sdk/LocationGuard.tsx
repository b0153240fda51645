import type { ReactNode } from "react";
import { StatusPanel } from "../ui/StatusPanel";
import { useLocationType } from "./hooks";
import { APP_LOCATIONS, type AppLocation } from "./locations";

/** Renders the page only when Contentstack opened it as the location its path is for. */
export function LocationGuard({ location, children }: { location: AppLocation; children: ReactNode }) {
  const current = useLocationType();
  if (current === location.type) return children;
  const intended = APP_LOCATIONS.find((candidate) => candidate.type === current);
  return (
    <StatusPanel title="This page was opened in the wrong place" testId="location-mismatch">
      <p>
        <code>{location.path}</code> is the {location.name} page (<code>{location.type}</code>), but Contentstack
        opened it as <code>{current}</code>.
      </p>
      <p>
        {intended
          ? `Check the UI locations in the app manifest: ${intended.name} should use the path ${intended.path}.`
          : "This app has no page for that location; check the UI locations in the app manifest."}
      </p>
    </StatusPanel>
  );
}
