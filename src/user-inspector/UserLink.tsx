import { Link, useSearchParams } from "react-router-dom";

/** `?user=<id>`: the full page's user view, a link any row or drawer can carry. */
export function userViewSearch(userId: string): string {
  return `?${new URLSearchParams({ user: userId })}`;
}

export function UserLink({ userId, children, testId = "user-link" }: { userId: string; children?: string; testId?: string }) {
  return (
    <Link to={{ search: userViewSearch(userId) }} className="user-link" data-test-id={testId} data-user-id={userId}>
      {children ?? `Why does ${userId} see what they see?`}
    </Link>
  );
}

/** The user the full page shows, if any. */
export function useInspectedUser(): string | null {
  const [search] = useSearchParams();
  const user = search.get("user");
  return user && user.trim() ? user : null;
}
