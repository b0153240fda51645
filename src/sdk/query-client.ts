import { QueryClient } from "@tanstack/react-query";
import { ApiError, SessionExpiredError } from "./http";

/** Retrying cannot fix a refused request (4xx) or an expired session; it can fix network blips and 5xx. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof SessionExpiredError) return false;
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // Focus moves between the host page and our iframe all the time; refetching on it would be noise.
      queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 30_000 },
      mutations: { retry: false },
    },
  });
}
