// @vitest-environment jsdom
import { cleanup, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { useSdk } from "./hooks";
import { LocationGuard } from "./LocationGuard";
import { APP_CONFIG } from "./locations";
import { fakeApi, fakeUiLocation, renderWithSdk, sessionRoute } from "./test-support";

afterEach(cleanup);

function InstallationUid() {
  return <p>uid {useSdk().installationUID}</p>;
}

describe("SdkProvider", () => {
  it("shows a loading state while Contentstack has not answered", () => {
    const { fetchImpl } = fakeApi(sessionRoute());
    renderWithSdk(<InstallationUid />, new Promise(() => undefined), fetchImpl);
    expect(screen.getByRole("status").textContent).toContain("Connecting to Contentstack");
  });

  it("asks to open the app inside Contentstack when init fails", async () => {
    const { fetchImpl } = fakeApi(sessionRoute());
    renderWithSdk(<InstallationUid />, Promise.reject(new Error("Window does not have a parent")), fetchImpl);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Open this app inside Contentstack");
    expect(alert.textContent).toContain("npm start");
    expect(alert.textContent).toContain("Window does not have a parent");
  });

  it("provides the SDK and starts the session", async () => {
    const { sdk } = fakeUiLocation();
    const api = fakeApi(sessionRoute());
    const { session } = renderWithSdk(<InstallationUid />, Promise.resolve(sdk), api.fetchImpl);
    expect(await screen.findByText("uid installation-uid-1")).toBeTruthy();
    expect(api.calls[0]).toMatchObject({ route: "POST /api/session", authorization: "Bearer app-token" });
    session.dispose();
  });

  it("explains a location that does not match the route", async () => {
    const { sdk } = fakeUiLocation({ location: "DASHBOARD" });
    const { fetchImpl } = fakeApi(sessionRoute());
    const { session } = renderWithSdk(
      <LocationGuard location={APP_CONFIG}>
        <InstallationUid />
      </LocationGuard>,
      Promise.resolve(sdk),
      fetchImpl,
    );
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("opened it as DASHBOARD");
    expect(alert.textContent).toContain("Dashboard widget should use the path /dashboard");
    expect(screen.queryByText(/uid/)).toBeNull();
    session.dispose();
  });
});
