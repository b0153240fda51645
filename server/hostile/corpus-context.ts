/**
 * What the hostile corpus aims at and signs with: two installations on one server, a session, tokens forged every
 * way we know, a lifecycle signer, and requests captured after they were applied once (replays). Built once per run
 * against a live stack, so the corpus itself is pure.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { gzipSync } from "node:zlib";
import type { LifecycleEvent } from "../emulators/contentstack-host/lifecycle-webhook.ts";
import { lifecycleWebhookPayload, signatureHeaderValue } from "../emulators/contentstack-host/lifecycle-webhook.ts";
import { segmentSignature } from "../ingest/webhook-signature.ts";
import { installationDataSchema } from "../../src/shared/installation-config.ts";
import { TEST_APP_UID, TEST_PROJECT_UID, eventually, type TestInstallation } from "../testing/harness.ts";
import type { ProcessStack } from "../testing/process-stack.ts";
import type { HostileRequest } from "./hostile-request.ts";

export interface CorpusContext {
  /** The installation the inputs attack. */
  target: TestInstallation;
  /** Another installation on the same server, whose secrets and rows must stay out of reach. */
  other: TestInstallation;
  session: string;
  /** A log row of `target` and one of `other`. */
  ownRowId: number;
  otherRowId: number;
  tokens: Record<"expired" | "wrongApp" | "forged" | "algNone" | "hs256" | "noInstallation" | "noStack" | "otherStack" | "notYetValid", string>;
  /** Session tokens signed with the server's own secret but wrong: expired, a stream token, another subject. */
  sessions: Record<"expired" | "stream" | "unknownInstallation" | "wrongSecret", string>;
  personalizeUrl: string;
  /** A loopback address nothing may call (the SSRF canary). */
  canaryUrl: string;
  signLifecycle(body: string, padding?: "pss" | "pkcs1"): string;
  lifecyclePayload(event: LifecycleEvent, data: Record<string, unknown>, triggeredAt?: Date): Record<string, unknown>;
  /** Requests that were answered 2xx once and now come again. */
  replays: HostileRequest[];
  /** Every secret the stack handed out and the target's session token, for the leak checks. */
  secrets: string[];
}

export const JSON_HEADERS = { "content-type": "application/json" };

const TARGET_MAPPINGS = [{ id: "plan", source: "traits.plan", attribute: "plan", type: "string" as const }];

/** A lifecycle webhook signed as Contentstack signs it; `expect` is refuse, as every corpus entry but replays. */
export function signedLifecycleRequest(
  sign: CorpusContext["signLifecycle"],
  payload: unknown,
  label = "signed lifecycle webhook",
): HostileRequest {
  const body = JSON.stringify(payload);
  return {
    endpoint: "lifecycle",
    family: "signed but invalid lifecycle",
    label,
    method: "POST",
    path: "/webhooks/contentstack",
    headers: { ...JSON_HEADERS, "x-contentstack-request-signature": sign(body) },
    body: Buffer.from(body),
    expect: "refuse",
  };
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;
}

/** X-Signature as Segment's webhook destination computes it: over the whole body, a batch's included. */
export function webhookSignature(secret: string, body: Buffer): string {
  return segmentSignature(secret, body);
}

const identity = (installation: TestInstallation) => ({
  app_uid: TEST_APP_UID,
  installation_uid: installation.uid,
  organization_uid: installation.organizationUid,
  user_uid: "hostile-user",
  stack_api_key: installation.stackApiKey,
});

export async function buildCorpusContext(stack: ProcessStack, canaryUrl: string): Promise<CorpusContext> {
  const target = await stack.install({ configuration: { attributeMappings: TARGET_MAPPINGS } });
  const other = await stack.install();
  const session = await target.session();
  const sessionKey = new TextEncoder().encode(stack.env.SESSION_SECRET);
  const { privateKey: foreignKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const now = Math.floor(Date.now() / 1000);
  const unsigned = (claims: Record<string, unknown>) =>
    `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
  const sessionToken = (claims: Record<string, unknown>, subject: string, exp: number, key = sessionKey) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(subject).setIssuedAt().setExpirationTime(exp).sign(key);

  const signLifecycle = (body: string, padding: "pss" | "pkcs1" = "pss") => signatureHeaderValue(body, stack.contentstack.signingKey, padding);
  const lifecyclePayload = (event: LifecycleEvent, data: Record<string, unknown>, triggeredAt = new Date()) =>
    lifecycleWebhookPayload(
      event,
      {
        appUid: TEST_APP_UID,
        appVersion: 1,
        installationUid: target.uid,
        organizationUid: target.organizationUid,
        stackApiKey: target.stackApiKey,
        userUid: "hostile-user",
        installedAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        data: data as never,
        serverConfigurationKey: "server_configuration",
      },
      triggeredAt,
    );
  const replays = await captureReplays(stack, target, (event, data) => signedLifecycleRequest(signLifecycle, lifecyclePayload(event, data)));
  const otherEvent = await fetch(`${stack.url}/v1/track`, {
    method: "POST",
    headers: { ...JSON_HEADERS, authorization: basicAuth(other.writeKey) },
    body: JSON.stringify({ userId: "other-user", event: "Order Completed", messageId: "other-1" }),
  });
  if (!otherEvent.ok) throw new Error(`the other installation's event was refused: ${otherEvent.status}`);
  // Acknowledged events reach the log once the worker expands them: wait for a row of each installation.
  const firstRow = (installation: TestInstallation) =>
    eventually(async () => ((await (await installation.api("/api/log?limit=1")).json()) as { items: Array<{ id: string }> }).items[0]);
  const [ownRow, otherRow] = [await firstRow(target), await firstRow(other)];

  return {
    target,
    other,
    session,
    ownRowId: Number(ownRow.id),
    otherRowId: Number(otherRow.id),
    tokens: {
      expired: await target.appToken({ expiresInSeconds: -120 }),
      wrongApp: await target.appToken({ app_uid: "someone-elses-app" }),
      forged: await new SignJWT(identity(target)).setProtectedHeader({ alg: "RS256" }).setExpirationTime("5m").sign(foreignKey),
      algNone: unsigned({ ...identity(target), exp: now + 300 }),
      hs256: await new SignJWT(identity(target)).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(sessionKey),
      noInstallation: await target.appToken({ installation_uid: "" }),
      noStack: await target.appToken({ stack_api_key: "" }),
      otherStack: await target.appToken({ installation_uid: other.uid }),
      notYetValid: await new SignJWT(identity(target)).setProtectedHeader({ alg: "RS256" }).setNotBefore(now + 3600).setExpirationTime(now + 7200).sign(stack.contentstack.signingKey),
    },
    sessions: {
      expired: await sessionToken({ typ: "session", stk: target.stackApiKey }, target.uid, now - 60),
      stream: await sessionToken({ typ: "stream", stk: target.stackApiKey }, target.uid, now + 60),
      unknownInstallation: await sessionToken({ typ: "session", stk: "blt0" }, "no-such-installation", now + 300),
      wrongSecret: await sessionToken({ typ: "session" }, target.uid, now + 300, randomBytes(32)),
    },
    personalizeUrl: stack.personalize.url,
    canaryUrl,
    signLifecycle,
    lifecyclePayload,
    replays,
    secrets: [...stack.knownSecrets(), session],
  };
}

/**
 * Sends one valid webhook event, one gzip Tracking API batch and one signed lifecycle update (re-sending the
 * configuration the target has), checks each was applied, and returns them for replay.
 */
async function captureReplays(
  stack: ProcessStack,
  target: TestInstallation,
  lifecycleRequest: (event: LifecycleEvent, data: Record<string, unknown>) => HostileRequest,
): Promise<HostileRequest[]> {
  const event = { type: "identify", userId: "replayed-user", messageId: "replay-webhook-1", traits: { plan: "gold" } };
  const webhookBody = Buffer.from(JSON.stringify(event));
  const batch = { batch: [{ ...event, messageId: "replay-tracking-1", userId: "replayed-user-2" }], sentAt: new Date().toISOString() };
  const replays: HostileRequest[] = [
    {
      endpoint: "webhook",
      family: "replayed signature",
      label: "replayed signed webhook event",
      method: "POST",
      path: `/ingest/segment/${target.uid}`,
      headers: { ...JSON_HEADERS, "x-signature": webhookSignature(target.sharedSecret, webhookBody) },
      body: webhookBody,
      expect: "absorb",
    },
    {
      endpoint: "tracking",
      family: "replayed signature",
      label: "replayed gzip /v1/batch",
      method: "POST",
      path: "/v1/batch",
      headers: { ...JSON_HEADERS, authorization: basicAuth(target.writeKey), "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify(batch)),
      expect: "absorb",
    },
    {
      ...lifecycleRequest("update", targetData(stack, target)),
      family: "replayed signature",
      label: "replayed signed lifecycle update",
    },
  ];
  for (const request of replays) {
    const response = await fetch(`${stack.url}${request.path}`, { method: "POST", headers: request.headers, body: new Uint8Array(request.body!) });
    if (!response.ok) throw new Error(`capturing a replay failed: ${request.label} answered ${response.status} ${await response.text()}`);
  }
  return replays;
}

/** The target's installation data as installed (harness defaults plus the plan mapping), fully parsed. */
function targetData(stack: ProcessStack, target: TestInstallation): Record<string, unknown> {
  return installationDataSchema.parse({
    configuration: {
      personalize: { region: "CUSTOM", projectUid: TEST_PROJECT_UID, customEdgeUrl: stack.personalize.url, customManagementUrl: stack.personalize.managementUrl },
      attributeMappings: TARGET_MAPPINGS,
    },
    serverConfiguration: { trackingWriteKey: target.writeKey, webhookSharedSecret: target.sharedSecret },
  });
}
