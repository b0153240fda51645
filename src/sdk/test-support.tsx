import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";
import type { FetchLike } from "./http";
import { SdkProvider } from "./SdkProvider";
import { SessionManager } from "./session";
import type { UiLocation } from "./types";

/** The parts of `UiLocation` our pages use, recorded for assertions (the boilerplate's TestProvider idea). */
export function fakeUiLocation(options: { location?: string; stored?: unknown } = {}) {
  const installation = {
    getInstallationData: vi.fn(async () => options.stored ?? { configuration: {}, serverConfiguration: {} }),
    setInstallationData: vi.fn(async (data: unknown) => data),
    setValidity: vi.fn(async () => undefined),
  };
  const sdk = {
    installationUID: "installation-uid-1",
    region: "NA",
    getCurrentLocation: () => options.location ?? "APP_CONFIG_WIDGET",
    location: { AppConfigWidget: { installation } },
  };
  return { sdk: sdk as unknown as UiLocation, installation };
}

export type Routes = Record<string, (body: unknown) => { status: number; body: unknown }>;

/** A same-origin API: `"POST /api/session"` → answer. Unknown routes answer 404 `{error, message}`. */
export function fakeApi(routes: Routes) {
  const calls: { route: string; body: unknown; authorization: string | undefined }[] = [];
  const fetchImpl: FetchLike = async (path, init) => {
    const route = `${init.method ?? "GET"} ${path}`;
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    calls.push({ route, body, authorization: (init.headers as Record<string, string>).Authorization });
    const handler = routes[route];
    const answer = handler ? handler(body) : { status: 404, body: { error: "not_found", message: `No route ${route}` } };
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "Content-Type": "application/json" } });
  };
  return { calls, fetchImpl };
}

export function sessionRoute(): Routes {
  return {
    "POST /api/session": () => ({
      status: 200,
      body: {
        token: "session-token",
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        installationUid: "installation-uid-1",
        stackApiKey: "stack-key",
      },
    }),
  };
}

export function renderWithSdk(ui: ReactElement, sdkPromise: Promise<UiLocation>, fetchImpl: FetchLike) {
  const session = new SessionManager({ appToken: "app-token", fetchImpl });
  const result = render(
    <SdkProvider sdkPromise={sdkPromise} session={session} fetchImpl={fetchImpl}>
      {ui}
    </SdkProvider>,
  );
  return { ...result, session };
}
