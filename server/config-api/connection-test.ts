/**
 * "Test connection": the Edge API by fetching the project's manifest, the Management API by listing attributes.
 * Every outcome is a result in the body, never an HTTP error of ours: a refused Personalize token must not look
 * like our own session ending (the UI treats an HTTP 401 from us that way).
 */
import type { ConnectionCheck } from "../../src/config-screen/api.ts";
import { requestJson, TransportError } from "../personalize-management/json-request.ts";
import { ManagementApiError, readErrorMessage, type ProjectManagementApi } from "../personalize-management/client.ts";

export const EDGE_CHECK_TIMEOUT_MS = 10_000;
const PROJECT_NOT_FOUND = "personalize.MANIFEST.PROJECT_NOT_FOUND";

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

export async function checkEdge(edgeBaseUrl: string, projectUid: string): Promise<ConnectionCheck> {
  let answer;
  try {
    answer = await requestJson(`${edgeBaseUrl}/manifest`, {
      method: "GET",
      headers: { "x-project-uid": projectUid, accept: "application/json" },
      timeoutMs: EDGE_CHECK_TIMEOUT_MS,
    });
  } catch (error) {
    if (error instanceof TransportError) return { ok: false, status: null, message: error.message };
    throw error;
  }
  const { status, body } = answer;
  if (status >= 200 && status <= 299) {
    const experiences = (body as { experiences?: unknown } | null)?.experiences;
    return Array.isArray(experiences)
      ? { ok: true, status, message: `project found, ${plural(experiences.length, "experience")}` }
      : { ok: false, status, message: "the answer is not a Personalize manifest; check the Edge API URL" };
  }
  if (status === 404 && (body as { error?: unknown } | null)?.error === PROJECT_NOT_FOUND) {
    return { ok: false, status, message: "project UID not found in this region" };
  }
  return { ok: false, status, message: `HTTP ${status}: ${readErrorMessage(body) ?? "no error message"}` };
}

export async function checkManagement(api: ProjectManagementApi): Promise<ConnectionCheck> {
  try {
    const attributes = await api.list("attributes");
    return { ok: true, status: 200, message: plural(attributes.length, "attribute") };
  } catch (error) {
    if (!(error instanceof ManagementApiError)) throw error;
    const { status } = error;
    if (status === 401 || status === 403) return { ok: false, status, message: `token rejected: ${error.message}` };
    if (status === 429) return { ok: false, status, message: "rate limited, retry in a few seconds" };
    return { ok: false, status, message: status === null ? error.message : `HTTP ${status}: ${error.message}` };
  }
}

/**
 * The two-way sync's Segment write key, checked with an empty batch on the Tracking API. Segment's own API
 * accepts nearly anything with 200, so a pass means "reachable and not refused"; a 401 means the key is wrong.
 */
export async function checkSegment(host: string, writeKey: string): Promise<ConnectionCheck> {
  let answer;
  try {
    answer = await requestJson(`${host}/v1/batch`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}` },
      body: { batch: [] },
      timeoutMs: EDGE_CHECK_TIMEOUT_MS,
    });
  } catch (error) {
    if (error instanceof TransportError) return { ok: false, status: null, message: error.message };
    throw error;
  }
  if (answer.status >= 200 && answer.status <= 299) return { ok: true, status: answer.status, message: "Segment accepted the write key" };
  if (answer.status === 401 || answer.status === 403) return { ok: false, status: answer.status, message: "Segment rejected the write key" };
  return { ok: false, status: answer.status, message: `HTTP ${answer.status}: ${readErrorMessage(answer.body) ?? "no error message"}` };
}
