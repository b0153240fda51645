/** Helpers shared by the config API tests: the draft the config screen would send, and JSON calls checked for secrets. */
import type { ConfigurationInput, ServerConfiguration } from "../../src/shared/installation-config.ts";
import { TEST_PROJECT_UID, type TestInstallation, type TestStack } from "../testing/harness.ts";

export const MANAGEMENT_TOKEN = "test-management-token";

export interface Answer<T = any> {
  status: number;
  body: T;
}

/** What the config screen sends: the installation data as edited, secrets empty unless typed in again. */
export function draftFor(
  stack: TestStack,
  overrides: { personalize?: Record<string, string>; configuration?: ConfigurationInput; serverConfiguration?: Partial<ServerConfiguration> } = {},
) {
  return {
    configuration: {
      ...overrides.configuration,
      personalize: {
        region: "CUSTOM",
        projectUid: TEST_PROJECT_UID,
        customEdgeUrl: stack.personalize.url,
        customManagementUrl: stack.personalize.managementUrl,
        ...overrides.personalize,
      },
    },
    serverConfiguration: { ...overrides.serverConfiguration },
  };
}

/**
 * Calls the API as the config screen does. An answer that carries a raw secret (the Management token, the
 * installation's write key or shared secret, or any of `otherSecrets`) fails the calling test, whichever it is.
 */
export function apiCaller(installation: TestInstallation, otherSecrets: string[] = []) {
  const secrets = [MANAGEMENT_TOKEN, installation.writeKey, installation.sharedSecret, ...otherSecrets];
  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<Answer<T>> => {
    const response = await installation.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`${method} ${path} answered with a raw secret (••••${secret.slice(-4)})`);
    }
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return {
    get: <T = any>(path: string) => call<T>("GET", path),
    post: <T = any>(path: string, body: unknown) => call<T>("POST", path, body),
  };
}
