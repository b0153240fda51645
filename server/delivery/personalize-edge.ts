/**
 * The exact Edge API requests (personalize-api.md §4): compact JSON bodies, `x-project-uid`, and the user in both
 * `x-cs-personalize-user-uid` and the legacy `x-cs-eclipse-user-uid`. Merge carries only the project header.
 */
import type { OutboundRequest } from "../store/types.ts";

export type EdgeRequestKind = "attributes" | "events" | "merge";

export function buildEdgeRequest(
  kind: EdgeRequestKind,
  body: unknown,
  userUid: string,
  projectUid: string,
  edgeBaseUrl: string,
): OutboundRequest {
  const headers: Record<string, string> = { "content-type": "application/json", "x-project-uid": projectUid };
  if (kind !== "merge") {
    headers["x-cs-personalize-user-uid"] = userUid;
    headers["x-cs-eclipse-user-uid"] = userUid;
  }
  const route = { attributes: ["PATCH", "/user-attributes"], events: ["POST", "/events"], merge: ["POST", "/user-attributes/actions/merge"] }[kind];
  return { method: route[0], url: `${edgeBaseUrl}${route[1]}`, headers, body: JSON.stringify(body) };
}
