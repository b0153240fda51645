/** React Query hooks for the user inspector; shapes come from the shared contract. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ForgetResult, UserInspection } from "../shared/user-inspector";
import { useApi } from "../sdk/hooks";
import { notify } from "../ui/notify";

const KEY = "user-inspector";

export function useUserInspection(userId: string) {
  const api = useApi();
  return useQuery({
    queryKey: [KEY, userId],
    queryFn: ({ signal }) => api.get<UserInspection>(`/api/inspector/user?userId=${encodeURIComponent(userId)}`, signal),
    staleTime: 0,
  });
}

/** Re-reads the Personalize audiences and experiences, then the user. */
export function useRefreshInspection(userId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.get<UserInspection>(`/api/inspector/user?userId=${encodeURIComponent(userId)}&refresh=1`),
    onSuccess: (data) => queryClient.setQueryData([KEY, userId], data),
    onError: (error) => notify("error", "Could not refresh", error.message),
  });
}

export function useForgetUser(userId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<ForgetResult>("/api/inspector/forget", { userId }),
    onSuccess: (result) => {
      notify("success", `Removed ${result.removed} log row${result.removed === 1 ? "" : "s"} of this user`);
      void queryClient.invalidateQueries({ queryKey: [KEY, userId] });
    },
    onError: (error) => notify("error", "Could not forget this user", error.message),
  });
}
