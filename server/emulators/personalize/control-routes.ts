/**
 * The control API under `/__emulator/`, for tests and benchmarks in other processes. It mirrors the in-process
 * methods of `PersonalizeEmulator`; its requests are neither recorded nor counted.
 */
import type { ServerResponse } from "node:http";
import { InputError } from "./input-error.ts";
import type { RequestFilter } from "./request-log.ts";
import type { EmulatorState } from "./state.ts";

export const CONTROL_PREFIX = "/__emulator/";

function reply(res: ServerResponse, status: number, value?: unknown): void {
  if (value === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(value));
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new InputError("", "body is not valid JSON");
  }
}

/** `since` is epoch milliseconds or an ISO-8601 date. */
export function requestFilterFromQuery(params: URLSearchParams): RequestFilter {
  const filter: RequestFilter = {};
  const path = params.get("path");
  const userUid = params.get("userUid");
  const projectUid = params.get("projectUid");
  const since = params.get("since");
  if (path !== null) filter.path = path;
  if (userUid !== null) filter.userUid = userUid;
  if (projectUid !== null) filter.projectUid = projectUid;
  if (since !== null) {
    const time = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
    if (Number.isNaN(time)) throw new InputError("since", "must be epoch milliseconds or an ISO-8601 date");
    filter.since = time;
  }
  return filter;
}

export function handleControl(
  state: EmulatorState,
  method: string,
  path: string,
  query: string,
  body: string,
  res: ServerResponse,
): void {
  const segments = path.slice(CONTROL_PREFIX.length).split("/").map(decodeURIComponent);
  const [resource, first, second] = segments;
  try {
    if (method === "POST" && resource === "reset" && segments.length === 1) {
      state.reset();
      return reply(res, 204);
    }
    if (method === "POST" && resource === "fixtures" && segments.length === 1) {
      return reply(res, 200, { projects: state.loadFixtures(parseJson(body)) });
    }
    if (resource === "faults" && segments.length === 1) {
      if (method === "POST") {
        const input = parseJson(body);
        return reply(res, 201, (Array.isArray(input) ? input : [input]).map((rule) => state.faults.add(rule)));
      }
      if (method === "DELETE") {
        state.faults.clear();
        return reply(res, 204);
      }
    }
    if (method === "GET" && resource === "requests" && segments.length === 1) {
      return reply(res, 200, state.log.requests(requestFilterFromQuery(new URLSearchParams(query))));
    }
    if (method === "GET" && resource === "users" && segments.length === 3) {
      const user = state.user(first!, second!);
      if (!user) return reply(res, 404, { error: "emulator.USER_NOT_FOUND", message: `No user "${second}" in project "${first}"` });
      return reply(res, 200, user);
    }
    if (method === "GET" && resource === "stats" && segments.length === 1) return reply(res, 200, state.stats());
    if (method === "POST" && resource === "strictness") {
      if (segments.length === 1) return reply(res, 200, state.setDefaultStrictness(parseJson(body)));
      if (segments.length === 2) return reply(res, 200, state.setStrictness(first!, parseJson(body)));
    }
    reply(res, 404, { error: "emulator.NOT_FOUND", message: `No control route ${method} ${path}` });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    reply(res, 400, { error: "emulator.INVALID_INPUT", message: error.message });
  }
}
