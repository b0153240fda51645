import { useSdk } from "../sdk/hooks";

export function SyncLogPage() {
  const sdk = useSdk();
  return (
    <main className="page">
      <h1>Segment sync log</h1>
      <p>
        Installation <code data-test-id="installation-uid">{sdk.installationUID}</code>
      </p>
    </main>
  );
}
