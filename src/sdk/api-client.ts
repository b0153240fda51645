import { ApiError, requestJson, type FetchLike } from "./http";
import type { SessionManager } from "./session";

/** Calls to our own API (same origin), authenticated with the session token. */
export interface ApiClient {
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
}

export function createApiClient(session: SessionManager, fetchImpl: FetchLike): ApiClient {
  async function send<T>(method: "GET" | "POST", path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const token = await session.token();
    try {
      return await requestJson<T>(fetchImpl, path, { method, bearer: token, body, signal });
    } catch (error) {
      // 401 means our session token was refused; failures of upstream credentials come with other statuses.
      if (error instanceof ApiError && error.status === 401) throw session.reject(token, error.message);
      throw error;
    }
  }
  return {
    get: (path, signal) => send("GET", path, undefined, signal),
    post: (path, body, signal) => send("POST", path, body, signal),
  };
}
