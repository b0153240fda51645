/**
 * App lifecycle webhooks (contentstack-app.md §8): the JSON body Contentstack POSTs on install/update/uninstall/
 * upgrade and its `X-Contentstack-Request-Signature: v1=<base64>` header, an RSA SHA-256 signature over the exact
 * body bytes with the app-token signing key.
 */
import { constants, sign, type KeyObject } from "node:crypto";
import type { InstallationData } from "./host-state";

export type LifecycleEvent = "install" | "update" | "uninstall" | "upgrade";

/** Unconfirmed (doc §8): RSA-PSS per a third-party verifier; PKCS#1 v1.5 is the other plausible choice. */
export type SignaturePadding = "pss" | "pkcs1";

const SIGNATURE_HEADER = "X-Contentstack-Request-Signature";

export interface LifecycleWebhookInstallation {
  appUid: string;
  appVersion: number;
  installationUid: string;
  organizationUid: string;
  stackApiKey: string;
  userUid: string;
  installedAt: string;
  updatedAt: string;
  data: InstallationData;
  /** Unconfirmed (doc §8): where the real webhook puts the server configuration, probably `server_configuration`. */
  serverConfigurationKey: string;
}

export function lifecycleWebhookPayload(
  event: LifecycleEvent,
  installation: LifecycleWebhookInstallation,
  triggeredAt: Date,
): Record<string, unknown> {
  const appInstallation = {
    app_uid: installation.appUid,
    app_version: installation.appVersion,
    organization_uid: installation.organizationUid,
    installation_uid: installation.installationUid,
    target: { type: "stack", uid: installation.stackApiKey },
    created_at: installation.installedAt,
    created_by: installation.userUid,
    updated_at: installation.updatedAt,
    updated_by: installation.userUid,
  };
  const configuration =
    event === "uninstall"
      ? {}
      : {
          configuration: installation.data.configuration,
          [installation.serverConfigurationKey]: installation.data.serverConfiguration,
        };
  return {
    triggered_at: triggeredAt.toISOString(),
    event,
    module: "app_installation",
    api_key: installation.stackApiKey,
    data: { app_installation: appInstallation, ...configuration },
  };
}

export function signatureHeaderValue(body: string, signingKey: KeyObject, padding: SignaturePadding): string {
  const key =
    padding === "pss"
      ? { key: signingKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : { key: signingKey, padding: constants.RSA_PKCS1_PADDING };
  return `v1=${sign("sha256", Buffer.from(body, "utf8"), key).toString("base64")}`;
}

export interface WebhookResponse {
  status: number;
  body: string;
}

/** Rejects on network errors and after `timeoutMs`, so a dead receiver never hangs the Save bar. */
export async function postSignedWebhook(
  url: string,
  body: string,
  signature: string,
  timeoutMs: number,
): Promise<WebhookResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, body: await response.text() };
}
