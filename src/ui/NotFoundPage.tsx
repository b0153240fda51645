import { APP_LOCATIONS } from "../sdk/locations";
import { StatusPanel } from "./StatusPanel";

export function NotFoundPage() {
  return (
    <StatusPanel title="Page not found" testId="not-found">
      <p>This app serves one page per Contentstack UI location (their paths are set in the app manifest):</p>
      <ul className="plain-list">
        {APP_LOCATIONS.map((location) => (
          <li key={location.path}>
            <code>{location.path}</code> {location.name}
          </li>
        ))}
      </ul>
    </StatusPanel>
  );
}
