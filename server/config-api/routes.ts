/**
 * The config screen's server routes (src/config-screen/api.ts is the contract): Personalize connection test,
 * catalog and create through the Management API, keys observed in recent traffic, and the event tester. All are
 * scoped to the session's installation; outbound calls go only to hosts resolvePersonalizeEndpoints allows.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { ConnectionTestResult } from "../../src/config-screen/api.ts";
import { segmentTrackingHost } from "../../src/shared/regions.ts";
import { configurationSchema, installationDataSchema, type InstallationData } from "../../src/shared/installation-config.ts";
import { sessionOf } from "../auth/session-routes.ts";
import { createHttpSender } from "../delivery/http-sender.ts";
import type { Installations } from "../installations/installations.ts";
import { createManagementClient } from "../personalize-management/client.ts";
import { createRateLimiter } from "../personalize-management/rate-limiter.ts";
import type { RequiredTypes } from "../mapping/types.ts";
import { INBOUND_STATUSES, type Installation, type Store } from "../store/types.ts";
import { checkEdge, checkManagement, checkSegment } from "./connection-test.ts";
import { createDefinition, loadCatalog } from "./definitions.ts";
import { managementTarget, parseBody, personalizeTarget, sessionInstallation, withSavedSecrets } from "./draft.ts";
import { observeKeys } from "./observed-keys.ts";
import { planTesterEvent, sendTesterRequests, TESTER_TIMEOUT_MS, testerRequest } from "./tester.ts";

export interface ConfigApiDependencies {
  store: Store;
  installations: Installations;
  /** Operator-allowed Personalize hosts besides the regional ones (PERSONALIZE_HOST_ALLOWLIST). */
  hostAllowlist: readonly string[];
  /** Replaces the regional Segment Tracking API host (SEGMENT_HOST_OVERRIDE: the local emulator). */
  segmentHostOverride?: string;
  /** The types the project's audience rules need, so the tester maps as the pipeline does. */
  requiredTypes?: (installation: Installation) => RequiredTypes;
}

/** Personalize's 10 req/s per organization, with a margin so that network jitter cannot bunch 11 into a second. */
const MANAGEMENT_BUDGET = { limit: 10, windowMs: 1100 };
const OBSERVED_ROWS = 2000;
/** Inbound rows that carry an accepted event once (rejected rows have no body; duplicates would count twice). */
const OBSERVED_STATUSES = INBOUND_STATUSES.filter((status) => status !== "rejected" && status !== "deduplicated");

const createSchema = installationDataSchema.extend({
  kind: z.enum(["attribute", "event"], { error: 'must be "attribute" or "event"' }),
  key: z.string().trim().min(1, "is required").max(256, "must be at most 256 characters"),
  name: z.string().trim().max(256, "must be at most 256 characters").optional(),
  description: z.string().max(1024, "must be at most 1024 characters").optional(),
});
const previewSchema = z.object({ configuration: configurationSchema, event: z.unknown() });
const sendSchema = installationDataSchema.extend({ event: z.unknown() });

export async function configApiRoutes(app: FastifyInstance, deps: ConfigApiDependencies) {
  const { store, installations, hostAllowlist } = deps;
  // One budget per organization for every installation this process serves.
  const management = createManagementClient({ limiter: createRateLimiter(MANAGEMENT_BUDGET) });
  const sender = createHttpSender({ timeoutMs: TESTER_TIMEOUT_MS, connectionsPerOrigin: 4 });
  app.addHook("onClose", async () => sender.close());

  /** The draft with the saved secrets filled in, where it points, and the session's organization (the budget key). */
  const openDraft = async (request: FastifyRequest, draft: InstallationData) => {
    const installation = await sessionInstallation(installations, request);
    const data = { ...draft, serverConfiguration: withSavedSecrets(draft.serverConfiguration, installation.serverConfiguration) };
    return { data, target: personalizeTarget(data.configuration, hostAllowlist), organizationUid: sessionOf(request).organizationUid };
  };
  type OpenDraft = Awaited<ReturnType<typeof openDraft>>;
  const managementFor = ({ target, data, organizationUid }: OpenDraft) => management(managementTarget(target, data, organizationUid));

  app.post("/api/personalize/test-connection", async (request): Promise<ConnectionTestResult> => {
    const draft = await openDraft(request, parseBody(installationDataSchema, request.body));
    const checkToken = async () => {
      if (!draft.data.serverConfiguration.personalizeManagementToken) return null;
      if (!draft.target.management) return { ok: false, status: null, message: "set the custom Management API URL to check the token" };
      return checkManagement(managementFor(draft));
    };
    const checkSegmentKey = async () => {
      const { twoWay, segment: segmentSettings } = draft.data.configuration;
      const writeKey = draft.data.serverConfiguration.segmentWriteKey;
      if (!twoWay.enabled || !writeKey) return null;
      return checkSegment(deps.segmentHostOverride ?? segmentTrackingHost(segmentSettings.region), writeKey);
    };
    const [edge, managementCheck, segment] = await Promise.all([
      checkEdge(draft.target.edge, draft.target.projectUid),
      checkToken(),
      checkSegmentKey(),
    ]);
    return { edge, management: managementCheck, segment };
  });

  app.post("/api/personalize/catalog", async (request) => {
    return loadCatalog(managementFor(await openDraft(request, parseBody(installationDataSchema, request.body))));
  });

  app.post("/api/personalize/create", async (request) => {
    const { kind, key, name, description, ...body } = parseBody(createSchema, request.body);
    const draft = await openDraft(request, body);
    return createDefinition(managementFor(draft), draft.data.configuration, { kind, key, name, description });
  });

  app.get("/api/observed", async (request) => {
    const { installationUid } = sessionOf(request);
    return observeKeys(await store.queryLog({ installationUid, directions: ["inbound"], statuses: OBSERVED_STATUSES, limit: OBSERVED_ROWS }));
  });

  app.post("/api/tester/preview", async (request) => {
    const { configuration, event } = parseBody(previewSchema, request.body);
    const installation = await sessionInstallation(installations, request);
    const { mapping, outbound } = planTesterEvent(installation, configuration, event, hostAllowlist, deps.requiredTypes);
    return { mapping, requests: outbound.map(testerRequest) };
  });

  app.post("/api/tester/send", async (request) => {
    const { configuration, event } = parseBody(sendSchema, request.body);
    const installation = await sessionInstallation(installations, request);
    const { outbound } = planTesterEvent(installation, configuration, event, hostAllowlist, deps.requiredTypes);
    return { requests: await sendTesterRequests(store, sender, installation.uid, outbound) };
  });
}
