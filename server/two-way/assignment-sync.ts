/**
 * The two-way sync: after an attribute update reaches Personalize (the moment a user's assignment can change),
 * fetch that user's `/manifest`, and when an experience's variant changed, queue the Segment calls as an
 * outbound `segment` row, delivered, retried and logged like any Personalize request but in its own lane, so it
 * never blocks inbound delivery. Checks are bounded per user: one at most every `minIntervalMs`.
 */
import type { FastifyBaseLogger } from "fastify";
import { segmentTrackingHost } from "../../src/shared/regions.ts";
import type { SendReport, HttpSender } from "../delivery/http-sender.ts";
import { resolvePersonalizeEndpoints } from "../delivery/personalize-endpoints.ts";
import type { Installations } from "../installations/installations.ts";
import { createManagementClient } from "../personalize-management/client.ts";
import { createRateLimiter } from "../personalize-management/rate-limiter.ts";
import type { ClaimedOutbound, Installation, Store } from "../store/types.ts";
import {
  assignmentCalls,
  changedAssignments,
  parseManifest,
  type Assignments,
  type ExperienceNames,
  type SegmentCall,
} from "./assignments.ts";
import { sendToSegment } from "./segment-sender.ts";

const NAMES_TTL_MS = 5 * 60_000;
const MAX_PENDING_CHECKS = 100_000;

export interface AssignmentSyncOptions {
  store: Store;
  installations: Installations;
  sender: HttpSender;
  hostAllowlist: readonly string[];
  /** Replaces the regional Tracking API host (the local Segment emulator in dev and tests). */
  segmentHostOverride?: string;
  timeoutMs: number;
  /** Wait after an update before checking, so a burst of updates costs one manifest call. */
  settleMs?: number;
  minIntervalMs?: number;
  log: FastifyBaseLogger;
}

export interface CheckResult {
  status: "skipped" | "failed" | "unchanged" | "changed";
  reason?: string;
  assignments?: Assignments;
  queuedRowId?: number;
}

export function createAssignmentSync(options: AssignmentSyncOptions) {
  const settleMs = options.settleMs ?? 1000;
  const minIntervalMs = options.minIntervalMs ?? 30_000;
  const due = new Map<string, { installationUid: string; userId: string; at: number }>();
  const lastCheck = new Map<string, number>();
  const names = new Map<string, { at: number; value: ExperienceNames }>();
  const management = createManagementClient({ limiter: createRateLimiter({ limit: 5, windowMs: 1100 }) });
  let manifestCalls = 0;
  let completedChecks = 0;
  let timer: NodeJS.Timeout | null = null;
  let running = 0;

  const enabled = (installation: Installation | null): installation is Installation =>
    Boolean(installation?.configuration.twoWay.enabled && installation.serverConfiguration.segmentWriteKey);

  async function experienceNames(installation: Installation, management_url: string | null): Promise<ExperienceNames> {
    const { personalizeManagementToken: token, personalizeManagementTokenType: tokenType } = installation.serverConfiguration;
    if (!token || !management_url) return {};
    const cached = names.get(installation.uid);
    if (cached && Date.now() - cached.at < NAMES_TTL_MS) return cached.value;
    const value: ExperienceNames = {};
    try {
      const experiences = await management({
        baseUrl: management_url,
        projectUid: installation.configuration.personalize.projectUid,
        token,
        tokenType,
        organizationUid: installation.organizationUid,
      }).list("experiences");
      for (const experience of experiences) {
        const variants = (experience.variants ?? experience.variations) as Array<{ shortUid?: string; name?: string }> | undefined;
        if (typeof experience.shortUid !== "string") continue;
        value[experience.shortUid] = {
          name: String(experience.name ?? experience.shortUid),
          variants: Object.fromEntries((variants ?? []).filter((v) => v.shortUid).map((v) => [v.shortUid!, String(v.name ?? v.shortUid)])),
        };
      }
    } catch (error) {
      options.log.warn({ err: error }, "experience names unavailable; sending ids only");
    }
    names.set(installation.uid, { at: Date.now(), value });
    return value;
  }

  async function lastSentAssignments(installationUid: string, userId: string): Promise<Assignments> {
    const [row] = await options.store.queryLog({ installationUid, directions: ["segment"], userId, limit: 1 });
    return ((row?.detail as { assignments?: Assignments } | undefined)?.assignments ?? {}) as Assignments;
  }

  /** Fetches the user's manifest now and queues the Segment calls for changed assignments. */
  async function check(installationUid: string, userId: string): Promise<CheckResult> {
    const installation = await options.installations.get(installationUid);
    if (!enabled(installation)) return { status: "skipped", reason: "two-way sync is off or has no Segment write key" };
    const { personalize, twoWay, segment } = installation.configuration;
    const endpoints = resolvePersonalizeEndpoints(personalize, options.hostAllowlist);
    if (!endpoints.ok || !personalize.projectUid) return { status: "skipped", reason: endpoints.ok ? "no project UID" : endpoints.reason };

    const key = `${installationUid}\u0000${userId}`;
    lastCheck.set(key, Date.now());
    manifestCalls += 1;
    const request = {
      method: "GET",
      url: `${endpoints.edge}/manifest`,
      headers: { "x-project-uid": personalize.projectUid, "x-cs-personalize-user-uid": userId },
      body: "",
    };
    const report = await options.sender.send(request);
    const ok = report.result.kind === "response" && report.result.status >= 200 && report.result.status < 300;
    const current = ok ? parseManifest(report.responseBody) : null;
    const error = !ok ? `manifest: ${describe(report)}` : current ? null : "manifest body is not {experiences:[…]}";
    await options.store.appendFinal(
      installationUid,
      [
        {
          direction: "personalize",
          status: error ? "failed" : "delivered",
          userId,
          eventType: "manifest",
          httpStatus: report.result.kind === "response" ? report.result.status : null,
          error,
          payload: request,
          detail: { trigger: "two-way", latencyMs: report.latencyMs, response: report.responseBody, assignments: current },
        },
      ],
      Date.now(),
    );
    if (!current) return { status: "failed", reason: error ?? undefined };

    const changes = changedAssignments(await lastSentAssignments(installationUid, userId), current);
    if (changes.length === 0) return { status: "unchanged", assignments: current };
    const calls = assignmentCalls({
      installationUid,
      projectUid: personalize.projectUid,
      userId,
      changes,
      current,
      names: await experienceNames(installation, endpoints.management),
      eventName: twoWay.eventName,
      identifyTrait: twoWay.identifyTrait,
      timestamp: new Date().toISOString(),
    });
    const host = options.segmentHostOverride ?? segmentTrackingHost(segment.region);
    const [queuedRowId] = await options.store.enqueueOutbound(
      [
        {
          installationUid,
          direction: "segment",
          userId,
          eventType: calls.length > 1 ? "track+identify" : "track",
          eventName: twoWay.eventName,
          messageId: calls[0].messageId,
          request: { method: "POST", url: `${host}/v1/batch`, headers: { "content-type": "application/json" }, body: JSON.stringify({ batch: calls }) },
          eventIds: [],
          detail: { trigger: "two-way", assignments: current, changes },
        },
      ],
      Date.now(),
    );
    return { status: "changed", assignments: current, queuedRowId };
  }

  const tick = () => {
    const now = Date.now();
    for (const [key, entry] of due) {
      if (running >= 8) break;
      if (entry.at > now) continue;
      due.delete(key);
      running += 1;
      check(entry.installationUid, entry.userId)
        .catch((error) => options.log.warn({ err: error }, "assignment check failed"))
        .finally(() => {
          running -= 1;
          completedChecks += 1;
        });
    }
  };

  return {
    check,
    /** Called by the worker after each delivered request; only attribute updates can move an assignment. */
    noteDelivered(row: ClaimedOutbound): void {
      if (row.direction !== "personalize" || row.request.method !== "PATCH" || !row.request.url.endsWith("/user-attributes")) return;
      const key = `${row.installationUid}\u0000${row.userId}`;
      if (due.has(key) || due.size >= MAX_PENDING_CHECKS) return;
      const at = Math.max(Date.now() + settleMs, (lastCheck.get(key) ?? 0) + minIntervalMs);
      due.set(key, { installationUid: row.installationUid, userId: row.userId, at });
    },
    /** Delivers a queued `segment` row with the customer's write key, read at send time (never stored in the row). */
    async send(row: ClaimedOutbound): Promise<SendReport> {
      const installation = await options.installations.get(row.installationUid);
      const writeKey = installation?.serverConfiguration.segmentWriteKey;
      if (!writeKey) return { result: { kind: "network", message: "no Segment write key is configured" }, latencyMs: 0, responseBody: "" };
      const { batch } = JSON.parse(row.request.body) as { batch: SegmentCall[] };
      return sendToSegment({ host: new URL(row.request.url).origin, writeKey, calls: batch, timeoutMs: options.timeoutMs });
    },
    manifestCalls: () => manifestCalls,
    /** Scheduled checks finished so far, whatever their outcome (anything they queued is in the store by then). */
    completedChecks: () => completedChecks,
    start() {
      timer = setInterval(tick, 200);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
export type AssignmentSync = ReturnType<typeof createAssignmentSync>;

function describe(report: SendReport): string {
  if (report.result.kind === "response") return `HTTP ${report.result.status}`;
  return report.result.kind === "timeout" ? "timed out" : report.result.message;
}
