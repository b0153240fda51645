/** The Full Page location: the sync log, or with `?user=<id>` in the URL, one user's view. */
import { SyncLogPage } from "../dashboard/SyncLogPage";
import { UserInspectorPage } from "./UserInspectorPage";
import { useInspectedUser } from "./UserLink";
import { UserLookup } from "./UserLookup";
import "./user-inspector.css";

export function FullPage() {
  const userId = useInspectedUser();
  if (userId !== null) return <UserInspectorPage key={userId} userId={userId} />;
  return (
    <>
      <UserLookup />
      <SyncLogPage />
    </>
  );
}
