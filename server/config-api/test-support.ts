/** Helpers shared by the config API tests: the draft the config screen would send, and JSON calls that keep every answer's text. */
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

/** Calls the API as the config screen does; every answer's raw text goes to `transcript` for the secrets check. */
export function apiCaller(installation: TestInstallation, transcript: string[]) {
  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<Answer<T>> => {
    const response = await installation.api(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    transcript.push(text);
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return {
    get: <T = any>(path: string) => call<T>("GET", path),
    post: <T = any>(path: string, body: unknown) => call<T>("POST", path, body),
  };
}
