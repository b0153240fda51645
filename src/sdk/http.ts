/** Our API answers errors as JSON `{error, message}`; `message` is written for the admin and shown as is. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The session cannot be used or renewed: only reopening the app (a fresh app-token) helps. */
export class SessionExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionExpiredError";
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

interface JsonRequest {
  method: "GET" | "POST";
  bearer: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** Same-origin JSON request with a bearer token and no cookies (the app runs in a cross-site iframe). */
export async function requestJson<T>(fetchImpl: FetchLike, path: string, request: JsonRequest): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${request.bearer}` };
  if (request.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetchImpl(path, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      credentials: "omit",
      signal: request.signal,
    });
  } catch (error) {
    if (request.signal?.aborted) throw error;
    throw new ApiError(`Could not reach the app server (${errorMessage(error)}).`, 0, "network_error");
  }
  if (!response.ok) throw await apiErrorFrom(response);
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError(`The app server sent an unreadable answer (HTTP ${response.status}).`, response.status, null);
  }
}

async function apiErrorFrom(response: Response): Promise<ApiError> {
  const fallback = `Request failed with HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`;
  let body: unknown = null;
  try {
    body = JSON.parse(await response.text());
  } catch {
    // Not JSON (a proxy error page, for instance): the status line is all we can say.
  }
  if (typeof body === "object" && body !== null) {
    const { error, message } = body as { error?: unknown; message?: unknown };
    const code = typeof error === "string" ? error : null;
    if (typeof message === "string" && message) return new ApiError(message, response.status, code);
    if (code) return new ApiError(`${fallback} (${code})`, response.status, code);
  }
  return new ApiError(fallback, response.status, null);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : "Unknown error";
}
