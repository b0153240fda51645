/**
 * The event tester. A pasted event is judged as ingest judges it (normalizeSegmentEvent) and planned by the
 * delivery planner itself with the draft configuration and an empty attribute clock, so the preview is exactly
 * what the engine would send. Sending uses the engine's HTTP sender, in order, stopping at the first failure as a
 * user's delivery lane would, and logs each request as an outbound row marked as a tester send.
 */
import type { RequiredTypes } from "../mapping/types.ts";
import type { PreviewResult, SentRequest, TesterRequest } from "../../src/config-screen/api.ts";
import type { Configuration } from "../../src/shared/installation-config.ts";
import type { HttpSender } from "../delivery/http-sender.ts";
import { planDeliveries } from "../delivery/planner.ts";
import { describeFailure } from "../delivery/retry-policy.ts";
import { HttpError } from "../http/errors.ts";
import { normalizeSegmentEvent } from "../ingest/segment-event.ts";
import { readErrorMessage } from "../personalize-management/client.ts";
import { parseJsonOrText } from "../personalize-management/json-request.ts";
import type { Installation, OutboundPlan, Store } from "../store/types.ts";
import { fieldError } from "./draft.ts";

export const TESTER_TIMEOUT_MS = 10_000;
const TESTER_EVENT_ID = 0;

export interface TesterPlan {
  mapping: PreviewResult["mapping"];
  outbound: OutboundPlan[];
}

export function planTesterEvent(
  installation: Installation,
  configuration: Configuration,
  event: unknown,
  hostAllowlist: readonly string[],
  requiredTypes?: (installation: Installation) => RequiredTypes,
): TesterPlan {
  const receivedAt = Date.now();
  const normalized = normalizeSegmentEvent(event, {
    source: "webhook",
    receivedAt,
    byteLength: Buffer.byteLength(JSON.stringify(event) ?? ""),
  });
  if (!normalized.ok) throw fieldError(["event"], normalized.reason);

  const draft: Installation = { ...installation, configuration };
  const plan = planDeliveries(
    [{ id: TESTER_EVENT_ID, installationUid: installation.uid, createdAt: receivedAt, payload: normalized.event.payload, detail: {} }],
    { installation: () => draft, attributeClock: () => ({}) },
    hostAllowlist,
    requiredTypes,
  );
  const inbound = plan.inbound[0];
  if (inbound.detail.configurationError) throw new HttpError(400, "incomplete_configuration", inbound.error ?? "Personalize is not configured");
  return { mapping: inbound.detail.mapping as PreviewResult["mapping"], outbound: plan.outbound };
}

export function testerRequest(outbound: OutboundPlan): TesterRequest {
  const { method, url, headers, body } = outbound.request;
  return { kind: outbound.eventType, method, url, headers, body: JSON.parse(body), sources: outbound.detail.sources };
}

export async function sendTesterRequests(
  store: Store,
  sender: HttpSender,
  installationUid: string,
  outbound: readonly OutboundPlan[],
): Promise<SentRequest[]> {
  const sent: SentRequest[] = [];
  let failedAt: number | null = null;
  for (const [index, plan] of outbound.entries()) {
    const request = testerRequest(plan);
    if (failedAt !== null) {
      sent.push({ ...request, response: null, error: `not sent: request ${failedAt + 1} failed` });
      continue;
    }
    const report = await sender.send(plan.request);
    const { result } = report;
    const response = result.kind === "response" ? { status: result.status, body: parseJsonOrText(report.responseBody), latencyMs: report.latencyMs } : null;
    const transportError =
      result.kind === "timeout"
        ? `no answer within ${TESTER_TIMEOUT_MS / 1000} s`
        : result.kind === "network"
          ? `network error: ${result.message}`
          : result.kind === "unsendable"
            ? describeFailure(result)
            : null;
    const delivered = response !== null && response.status >= 200 && response.status <= 299;
    await store.appendFinal(
      installationUid,
      [
        {
          direction: "personalize",
          status: delivered ? "delivered" : "failed",
          userId: plan.userId,
          messageId: plan.messageId,
          eventType: plan.eventType,
          eventName: plan.eventName,
          httpStatus: response?.status ?? null,
          error: delivered ? null : (transportError ?? `HTTP ${response!.status}: ${readErrorMessage(response!.body) ?? "no error message"}`),
          payload: plan.request,
          detail: { trigger: "tester", request: plan.request, response, sources: plan.detail.sources },
        },
      ],
      Date.now(),
    );
    if (!delivered) failedAt = index;
    sent.push({ ...request, response, error: transportError });
  }
  return sent;
}
