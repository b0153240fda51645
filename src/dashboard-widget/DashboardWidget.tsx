import { useSdk } from "../sdk/hooks";

export function DashboardWidget() {
  const sdk = useSdk();
  return (
    <main className="page">
      <h1>Segment sync</h1>
      <p>
        Installation <code data-test-id="installation-uid">{sdk.installationUID}</code>
      </p>
    </main>
  );
}
