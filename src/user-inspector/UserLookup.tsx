import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { ActionButton } from "../ui/ActionButton";
import { TextField } from "../ui/TextField";
import { userViewSearch } from "./UserLink";

/** "Why didn't this visitor get the variant?": a userId or anonymousId in, that user's view out. */
export function UserLookup({ initial = "" }: { initial?: string }) {
  const [userId, setUserId] = useState(initial);
  const navigate = useNavigate();
  const open = (event?: FormEvent) => {
    event?.preventDefault();
    if (userId.trim()) navigate({ search: userViewSearch(userId.trim()) });
  };
  return (
    <form className="user-lookup" onSubmit={open} role="search" aria-label="Inspect a user">
      <label htmlFor="user-lookup-id" className="user-lookup__label">
        Why didn't a visitor get the variant?
      </label>
      <TextField id="user-lookup-id" value={userId} onChange={setUserId} placeholder="userId or anonymousId" testId="user-lookup-input" />
      <ActionButton buttonType="primary" onClick={() => open()} disabled={!userId.trim()} testId="user-lookup-submit">
        Inspect user
      </ActionButton>
    </form>
  );
}
