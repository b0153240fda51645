// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { InstallationData } from "../shared/installation-config";
import { fakeApi, fakeUiLocation, renderWithSdk, sessionRoute, type Routes } from "../sdk/test-support";
import { ConfigScreen } from "./ConfigScreen";

afterEach(cleanup);

const VALID_UID = "blt0123456789abcdef01234";

const routes: Routes = {
  ...sessionRoute(),
  "GET /api/observed": () => ({
    status: 200,
    body: {
      traits: [{ path: "traits.plan", count: 12, lastSeen: new Date().toISOString() }],
      events: [{ source: "track", name: "Order Completed", count: 3, lastSeen: new Date().toISOString() }],
    },
  }),
  "GET /api/log/recent-events?limit=20": () => ({ status: 200, body: { items: [] } }),
  "POST /api/personalize/test-connection": () => ({
    status: 200,
    body: { edge: { ok: true, status: 200, message: "Edge API reachable" }, management: null },
  }),
};

function byTestId(id: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-test-id="${id}"]`);
  if (!element) throw new Error(`No element with data-test-id="${id}"`);
  return element;
}

async function renderConfigScreen(stored?: unknown) {
  const location = fakeUiLocation({ stored });
  const api = fakeApi(routes);
  const rendered = renderWithSdk(<ConfigScreen />, Promise.resolve(location.sdk), api.fetchImpl);
  await screen.findByText("Segment → Personalize sync");
  return { ...location, api, session: rendered.session };
}

function lastSent(installation: ReturnType<typeof fakeUiLocation>["installation"]): InstallationData {
  const calls = installation.setInstallationData.mock.calls;
  return calls[calls.length - 1][0] as InstallationData;
}

describe("ConfigScreen", () => {
  it("sends the whole installation data and the derived validity on every change", async () => {
    const user = userEvent.setup();
    const { installation, session } = await renderConfigScreen({
      configuration: { personalize: { projectUid: VALID_UID } },
      serverConfiguration: {},
    });
    await waitFor(() => expect(installation.setValidity).toHaveBeenLastCalledWith(true, undefined));

    const projectUid = byTestId("project-uid-input") as HTMLInputElement;
    expect(projectUid.value).toBe(VALID_UID);
    expect(screen.getByLabelText(/Project UID/)).toBe(projectUid);

    await user.clear(projectUid);
    await user.type(projectUid, "abc");
    await waitFor(() =>
      expect(installation.setValidity).toHaveBeenLastCalledWith(false, {
        message: expect.stringMatching(/^Personalize: Project UID must be the 24-character/),
      }),
    );
    const sent = lastSent(installation);
    expect(sent.configuration.personalize.projectUid).toBe("abc");
    expect(Object.keys(sent).sort()).toEqual(["configuration", "serverConfiguration"]);
    expect(Object.keys(sent.configuration).sort()).toEqual(
      ["alerts", "attributeMappings", "engage", "eventMappings", "identity", "personalize", "retention", "segment", "twoWay", "unmappedTraits", "version"].sort(),
    );
    // Not red while the admin is still typing; the message shows once the field is left.
    expect(projectUid.getAttribute("aria-invalid")).toBeNull();
    await user.tab();
    expect(byTestId("personalize-project-uid-error").textContent).toMatch(/Must be the 24-character project UID/);
    expect(projectUid.getAttribute("aria-invalid")).toBe("true");
    session.dispose();
  });

  it("keeps generated and typed secrets in serverConfiguration only", async () => {
    const user = userEvent.setup();
    const { installation, session } = await renderConfigScreen();

    await user.click(byTestId("shared-secret-input-generate"));
    await user.type(byTestId("management-token-input"), "cs-management-token");
    await waitFor(() => expect(lastSent(installation).serverConfiguration.personalizeManagementToken).toBe("cs-management-token"));

    const sent = lastSent(installation);
    expect(sent.serverConfiguration.webhookSharedSecret).toMatch(/^[0-9a-f]{64}$/);
    const publicPart = JSON.stringify(sent.configuration);
    expect(publicPart).not.toContain(sent.serverConfiguration.webhookSharedSecret);
    expect(publicPart).not.toContain("cs-management-token");
    expect((byTestId("management-token-input") as HTMLInputElement).type).toBe("password");
    session.dispose();
  });

  it("adds an attribute row whose source is built from prefix and key, with observed keys suggested", async () => {
    const user = userEvent.setup();
    const { installation, session } = await renderConfigScreen();

    await user.click(byTestId("add-attribute-row"));
    const source = byTestId("attribute-row-0-source") as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(source));
    await user.type(source, "plan");
    await user.type(byTestId("attribute-row-0-attribute"), "plan");

    await waitFor(() =>
      expect(lastSent(installation).configuration.attributeMappings[0]).toMatchObject({
        source: "traits.plan",
        attribute: "plan",
        type: "auto",
        enabled: true,
      }),
    );
    expect(installation.setValidity).toHaveBeenLastCalledWith(true, undefined);
    const suggestions = document.getElementById(source.getAttribute("list")!)!;
    await waitFor(() => expect(suggestions.querySelector("option")?.getAttribute("value")).toBe("plan"));
    expect(suggestions.querySelector("option")?.getAttribute("label")).toMatch(/traits\.plan · 12 events, last seen/);
    expect(byTestId("personalize-catalog-status").textContent).toMatch(/Enter a valid Personalize project UID/);

    await user.click(byTestId("attribute-row-0-remove"));
    await waitFor(() => expect(lastSent(installation).configuration.attributeMappings).toEqual([]));
    session.dispose();
  });

  it("tests the connection with the current data and lists the result", async () => {
    const user = userEvent.setup();
    const { api, session } = await renderConfigScreen({
      configuration: { personalize: { projectUid: VALID_UID } },
      serverConfiguration: {},
    });

    await user.click(byTestId("test-connection-button"));
    const result = await waitFor(() => byTestId("test-connection-result"));
    expect(byTestId("test-connection-edge").textContent).toBe("Edge API: OK (HTTP 200) · Edge API reachable");
    expect(result.textContent).toMatch(/Management API: not checked/);

    const call = api.calls.find((c) => c.route === "POST /api/personalize/test-connection")!;
    expect(call.authorization).toBe("Bearer session-token");
    expect(call.body).toMatchObject({ configuration: { personalize: { projectUid: VALID_UID } }, serverConfiguration: {} });
    session.dispose();
  });

  it("explains invalid JSON in the event tester", async () => {
    const { session } = await renderConfigScreen();
    const input = byTestId("tester-input");
    fireEvent.change(input, { target: { value: "{not json" } });
    await waitFor(() => expect(byTestId("tester-input-error").textContent).toMatch(/Not valid JSON/));
    expect((byTestId("tester-preview-button") as HTMLButtonElement).disabled).toBe(true);
    session.dispose();
  });
});
