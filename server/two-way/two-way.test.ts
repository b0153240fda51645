import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSegmentEmulator, type SegmentEmulator } from "../emulators/segment/index.ts";
import type { EmulatorFixtures } from "../emulators/personalize/index.ts";
import { eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { assignmentMessageId } from "./assignments.ts";

const PROJECT = "7a7a7a7a7a7a7a7a7a7a7a7a";
const fixtures: EmulatorFixtures = {
  projects: [
    {
      uid: PROJECT,
      name: "Two-way project",
      managementTokens: ["mgmt-token"],
      attributes: [{ key: "lifetime_value" }],
      audiences: [
        {
          name: "High value",
          definition: {
            __type: "RuleCombination",
            combinationType: "AND",
            rules: [
              {
                __type: "Rule",
                attribute: { __type: "CustomAttributeReference", ref: "lifetime_value" },
                attributeMatchCondition: "NUMBER_GREATER_THAN",
                attributeMatchOptions: { __type: "NumberMatchOptions", value: 100 },
                invertCondition: false,
              },
            ],
          },
        },
      ],
      experiences: [
        { shortUid: "0", name: "High-value homepage", __type: "SEGMENTED", variants: [{ shortUid: "0", name: "High-value hero", audiences: ["High value"] }] },
      ],
    },
  ],
};

let stack: TestStack;
let segment: SegmentEmulator;

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;

async function identify(installation: TestInstallation, userId: string, lifetimeValue: number) {
  const response = await fetch(`${stack.url}/v1/identify`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basic(installation.writeKey) },
    body: JSON.stringify({ userId, traits: { lifetime_value: lifetimeValue } }),
  });
  expect(response.status).toBe(200);
}

async function installTwoWay(segmentWriteKey: string) {
  return stack.install({
    configuration: {
      personalize: { region: "CUSTOM", projectUid: PROJECT, customEdgeUrl: stack.personalize.url, customManagementUrl: stack.personalize.managementUrl },
      attributeMappings: [{ id: "ltv", source: "traits.lifetime_value", attribute: "lifetime_value", type: "number" }],
      twoWay: { enabled: true, eventName: "Experiment Viewed", identifyTrait: "" },
    },
    serverConfiguration: { segmentWriteKey, personalizeManagementToken: "mgmt-token" },
  });
}

/** What the Segment emulator received for one user (other tests here send to it too). */
const segmentEventsOf = (userId: string) => segment.events().filter((event) => event.userId === userId);

async function segmentRows(installation: TestInstallation, userId: string) {
  return stack.server.store.queryLog({ installationUid: installation.uid, directions: ["segment"], userId, limit: 10 });
}

beforeAll(async () => {
  segment = await startSegmentEmulator({ writeKeys: ["wk_customer_source"] });
  stack = await startTestStack({
    fixtures,
    env: { SEGMENT_HOST_OVERRIDE: segment.url, TWO_WAY_MIN_INTERVAL_MS: "0", DELIVERY_RETRY_BASE_MS: "100" },
  });
});
afterAll(async () => {
  await stack.close();
  await segment.close();
});

describe("two-way sync: Personalize variant assignments back into Segment", () => {
  it("sends exactly one Experiment Viewed when an attribute moves the user into a variant, and nothing for a repeat", async () => {
    const installation = await installTwoWay("wk_customer_source");
    const userId = "two-way-user-1";
    await identify(installation, userId, 50);
    await eventually(async () =>
      (await stack.server.store.queryLog({ installationUid: installation.uid, eventType: "manifest", userId, limit: 1 })).length === 1,
    );
    expect(segmentEventsOf(userId)).toEqual([]);

    await identify(installation, userId, 150);
    await eventually(() => segmentEventsOf(userId).length === 1);
    expect(segmentEventsOf(userId)[0]).toMatchObject({
      type: "track",
      event: "Experiment Viewed",
      userId,
      messageId: assignmentMessageId(installation.uid, userId, { experienceShortUid: "0", variantShortUid: "0" }),
      properties: {
        experiment_id: "0",
        experiment_name: "High-value homepage",
        variation_id: "0",
        variation_name: "High-value hero",
        personalize_project_uid: PROJECT,
      },
    });
    expect(segment.batches().filter((b) => b.events.some((event) => event.userId === userId)).map((b) => b.writeKey)).toEqual(["wk_customer_source"]);
    // Segment has the event a moment before the worker records the attempt that sent it.
    const [row] = await eventually(async () => {
      const rows = await segmentRows(installation, userId);
      return rows[0]?.status === "delivered" ? rows : null;
    });
    expect(row).toMatchObject({ status: "delivered", httpStatus: 200 });
    expect(JSON.stringify(row)).not.toContain("wk_customer_source");

    const checksBefore = stack.server.assignmentSync.completedChecks();
    await identify(installation, userId, 200);
    await eventually(async () =>
      (await stack.server.store.queryLog({ installationUid: installation.uid, eventType: "manifest", userId, limit: 5 })).length === 3,
    );
    await eventually(() => stack.server.assignmentSync.completedChecks() > checksBefore);
    expect(await segmentRows(installation, userId)).toHaveLength(1);
    expect(segmentEventsOf(userId)).toHaveLength(1);
  });

  it("reports a wrong write key in the log as a failed 401", async () => {
    const installation = await installTwoWay("wk_not_this_one");
    await identify(installation, "two-way-user-2", 500);
    const [row] = await eventually(async () => {
      const rows = await segmentRows(installation, "two-way-user-2");
      return rows.length && rows[0].status === "failed" ? rows : null;
    });
    expect(row.httpStatus).toBe(401);
    expect(row.error).toMatch(/401/);
  });

  it("retries through a Segment outage until delivered", async () => {
    const installation = await installTwoWay("wk_customer_source");
    segment.reset();
    segment.addFault({ kind: "status", status: 503, times: 2 });
    await identify(installation, "two-way-user-3", 500);
    await eventually(async () => (await segmentRows(installation, "two-way-user-3"))[0]?.status === "delivered", 15_000);
    const [row] = await segmentRows(installation, "two-way-user-3");
    const attempts = await stack.server.store.getAttempts(installation.uid, row.id);
    expect(attempts.map((a) => a.httpStatus)).toEqual([503, 503, 200]);
    expect(segmentEventsOf("two-way-user-3")).toHaveLength(1);
  });
});

describe("two-way connection test", () => {
  it("reports a wrong Segment write key in the config screen's test-connection result", async () => {
    const installation = await installTwoWay("wk_customer_source");
    const draft = (segmentWriteKey: string) => ({
      configuration: {
        personalize: { region: "CUSTOM", projectUid: PROJECT, customEdgeUrl: stack.personalize.url, customManagementUrl: stack.personalize.managementUrl },
        twoWay: { enabled: true, eventName: "Experiment Viewed", identifyTrait: "" },
      },
      serverConfiguration: { segmentWriteKey },
    });
    const wrong = await installation.api("/api/personalize/test-connection", { method: "POST", body: JSON.stringify(draft("wk_wrong")) });
    expect(((await wrong.json()) as { segment: unknown }).segment).toEqual({ ok: false, status: 401, message: "Segment rejected the write key" });
    const right = await installation.api("/api/personalize/test-connection", { method: "POST", body: JSON.stringify(draft("wk_customer_source")) });
    expect(((await right.json()) as { segment: { ok: boolean } }).segment.ok).toBe(true);
  });
});

describe("on-demand variant check", () => {
  it("answers the user's current variants for the session's installation and validates the body", async () => {
    const installation = await installTwoWay("wk_customer_source");
    await identify(installation, "on-demand-user", 300);
    await eventually(async () => (await segmentRows(installation, "on-demand-user")).length === 1);
    const response = await installation.api("/api/two-way/check", { method: "POST", body: JSON.stringify({ userId: "on-demand-user" }) });
    expect(await response.json()).toEqual({ status: "unchanged", assignments: { "0": "0" } });
    const invalid = await installation.api("/api/two-way/check", { method: "POST", body: JSON.stringify({ userId: "" }) });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { message: string }).message).toMatch(/userId: is required/);
  });
});
