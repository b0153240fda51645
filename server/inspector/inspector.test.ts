import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserInspection } from "../../src/shared/user-inspector.ts";
import { drained, eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { inspectorConfiguration, inspectorProject } from "./scenario.ts";

const PROJECT = "1n5pec70r0000000000000a1";
let stack: TestStack;
let installation: TestInstallation;

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;

async function send(kind: "identify" | "alias", body: Record<string, unknown>) {
  const response = await fetch(`${stack.url}/v1/${kind}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basic(installation.writeKey) },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function inspect(userId: string, query = ""): Promise<UserInspection> {
  const response = await installation.api(`/api/inspector/user?userId=${encodeURIComponent(userId)}${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as UserInspection;
}

const settled = () => eventually(() => drained(stack.server.store, installation.uid));

const computedTrait = (userId: string, value: unknown) => ({
  userId,
  traits: { total_revenue_180_days: value },
  context: { personas: { computation_class: "computed_trait", computation_key: "total_revenue_180_days", computation_id: "tra_1" } },
});

beforeAll(async () => {
  stack = await startTestStack({ fixtures: { projects: [inspectorProject(PROJECT)] } });
  installation = await stack.install(inspectorConfiguration(PROJECT, stack.personalize.url, stack.personalize.managementUrl));
  // Reads the audiences once, so the worker's mapping knows the types before the first event.
  expect((await inspect("nobody", "&refresh=1&manifest=0")).definitions.ok).toBe(true);
});
afterAll(async () => stack.close());

describe("types from audience rules, through the real pipeline", () => {
  it("an Engage computed trait sent as 450 then as \"500\" reaches Personalize as a number both times", async () => {
    await send("identify", computedTrait("engage-user", 450));
    await settled();
    await send("identify", computedTrait("engage-user", "500"));
    await settled();
    const bodies = stack.personalize
      .requests({ path: "/user-attributes", userUid: "engage-user" })
      .map((request) => JSON.parse(request.body) as Record<string, unknown>);
    expect(bodies).toEqual([{ total_revenue_180_days: 450 }, { total_revenue_180_days: 500 }]);

    const view = await inspect("engage-user");
    expect(view.attributes).toMatchObject([{ key: "total_revenue_180_days", value: 500, type: "number", event: "identify", source: "engage:total_revenue_180_days" }]);
    expect(view.warnings.map((warning) => warning.kind)).toContain("converted");
    expect(view.audiences.find((audience) => audience.name === "Big spenders")?.result).toBe(true);
    expect(view.experiences[0]).toMatchObject({ name: "Homepage hero", manifestVariant: { shortUid: "1", name: "Big spender offer" } });
    expect(view.verdict).toBe("Gets “Big spender offer” in “Homepage hero” because “Big spenders” matches.");
  });
});

describe("the user view", () => {
  it("says a value was dropped, and which audience needed it", async () => {
    await send("identify", { userId: "dropped-user", traits: { lifetime_value: "a lot", plan: "basic" } });
    await settled();
    const view = await inspect("dropped-user");
    expect(view.attributes.map((attribute) => [attribute.key, attribute.value])).toEqual([["plan", "basic"]]);
    expect(view.warnings).toContainEqual(
      expect.objectContaining({
        kind: "dropped",
        attribute: "lifetime_value",
        message: 'identify: row:ltv (traits.lifetime_value → lifetime_value): "a lot" is not a number, but audience "High value" compares lifetime_value as a number, dropped',
      }),
    );
    const high = view.audiences.find((audience) => audience.name === "High value")!;
    expect(high.reason).toBe('“High value” is not matched because lifetime_value was dropped: "a lot" is not a number');
    expect(high.tree.rules[0]).toMatchObject({ outcome: "missing", attribute: "lifetime_value", result: false });
    expect(view.verdict).toContain('“High value” is not matched because lifetime_value was dropped: "a lot" is not a number');
  });

  it("a user who matches nothing, and one whose audience needs a preset attribute", async () => {
    await send("identify", { userId: "plain-user", traits: { lifetime_value: 20 } });
    await send("identify", { userId: "mobile-user", traits: { plan: "pro" } });
    await settled();
    const plain = await inspect("plain-user");
    expect(plain.audiences.map((audience) => audience.result)).toEqual([false, false, false]);
    expect(plain.verdict).toBe(
      "Matches none of the 3 audiences, so no experience shows a variant; “High value” is not matched because lifetime_value is 20; wanted more than 100.",
    );

    const mobile = await inspect("mobile-user");
    const pros = mobile.audiences.find((audience) => audience.name === "Mobile pros")!;
    expect(pros.result).toBeNull();
    expect(pros.tree.rules.map((rule) => rule.kind === "rule" && rule.outcome)).toEqual(["cannot_evaluate", "passes"]);
    expect(mobile.experiences[1]).toMatchObject({ name: "Mobile banner", expectedKnown: false, manifestVariant: null });
    expect(mobile.verdict).toContain("“Mobile pros” cannot be decided here: DEVICE_TYPE is read by Personalize from the visitor's request");
  });

  it("follows a merge: attributes set on the anonymous id count for the known user", async () => {
    await send("identify", { anonymousId: "anon-1", userId: "anon-1", traits: { lifetime_value: 900 } });
    await settled();
    await send("alias", { userId: "merged-user", previousId: "anon-1" });
    await settled();
    const view = await inspect("merged-user");
    expect(view.merges).toMatchObject([{ sourceUserUid: "anon-1", targetUserUid: "merged-user", status: "delivered" }]);
    expect(view.attributes).toMatchObject([{ key: "lifetime_value", value: 900, mergedFrom: "anon-1" }]);
    expect(view.experiences[0]?.manifestVariant).toEqual({ shortUid: "0", name: "High-value hero" });
  });

  it("refuses an id that is too long, naming the field", async () => {
    const response = await installation.api(`/api/inspector/user?userId=${"x".repeat(600)}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("userId");
  });
});

describe("forget this user", () => {
  it("removes the user's rows, keeps an audit row without the id, and says what it cannot remove", async () => {
    await send("identify", { userId: "forget-me@example.com", traits: { lifetime_value: 150 } });
    await settled();
    expect((await inspect("forget-me@example.com")).logRows).toBeGreaterThan(0);

    const response = await installation.api("/api/inspector/forget", { method: "POST", body: JSON.stringify({ userId: "forget-me@example.com" }) });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { removed: number; cannotRemove: string[]; auditLogId: number };
    expect(result.removed).toBeGreaterThanOrEqual(2);
    expect(result.cannotRemove.join(" ")).toContain("Personalize");

    expect((await inspect("forget-me@example.com", "&manifest=0")).logRows).toBe(0);
    const [audit] = await stack.server.store.getLogRows(installation.uid, [result.auditLogId]);
    expect(audit).toMatchObject({ eventType: "privacy", userId: null });
    expect(JSON.stringify(audit)).not.toContain("forget-me");
  });
});

describe("what the config screen learns from audience rules", () => {
  it("lists the types audiences need and the Engage computations feeding them", async () => {
    const response = await installation.api("/api/audiences/requirements");
    const body = (await response.json()) as { ok: true; requirements: Array<{ key: string; type: string; audiences: string[] }>; engage: Array<Record<string, unknown>> };
    expect(body.requirements).toEqual(
      expect.arrayContaining([
        { key: "lifetime_value", type: "number", audiences: ["High value"], conflicts: [] },
        { key: "plan", type: "string", audiences: ["Mobile pros"], conflicts: [] },
      ]),
    );
    expect(body.engage).toContainEqual({ computationKey: "total_revenue_180_days", computationClass: "computed_trait", attribute: "total_revenue_180_days", audiences: ["Big spenders"] });
  });

  it("says which rules each value would satisfy or break", async () => {
    const response = await installation.api("/api/audiences/impact", { method: "POST", body: JSON.stringify({ attributes: { lifetime_value: "500", plan: "pro" } }) });
    const body = (await response.json()) as { ok: true; attributes: Array<{ key: string; requiredType: string; audiences: Array<{ audience: string; effect: string }> }> };
    expect(body.attributes).toEqual([
      { key: "lifetime_value", value: "500", requiredType: "number", audiences: [{ audience: "High value", effect: "breaks", explanation: 'lifetime_value is "500", not a number; wanted more than 100' }] },
      { key: "plan", value: "pro", requiredType: "string", audiences: [{ audience: "Mobile pros", effect: "satisfies", explanation: 'plan is "pro"; wanted exactly "pro"' }] },
    ]);
  });
});
