import { afterAll, beforeAll, expect, it } from "vitest";
import { drained, eventually, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";
import { TEST_POSTGRES_URL } from "../testing/postgres.ts";
import { describePostgres } from "../testing/postgres-suite.ts";
import { inspectorConfiguration, inspectorProject } from "./scenario.ts";

const PROJECT = "1n5pec70r00000000000pg01";

describePostgres("user inspector on PostgreSQL", () => {
  let stack: TestStack;
  let installation: TestInstallation;

  beforeAll(async () => {
    stack = await startTestStack({ databaseUrl: TEST_POSTGRES_URL, fixtures: { projects: [inspectorProject(PROJECT)] } });
    installation = await stack.install(inspectorConfiguration(PROJECT, stack.personalize.url, stack.personalize.managementUrl));
  });
  afterAll(async () => stack?.close());

  it("reads a user's rows and forgets them", async () => {
    const response = await fetch(`${stack.url}/v1/identify`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${installation.writeKey}:`).toString("base64")}` },
      body: JSON.stringify({ userId: "pg-user", traits: { lifetime_value: 150 } }),
    });
    expect(response.status).toBe(200);
    await eventually(() => drained(stack.server.store, installation.uid));
    const view = (await (await installation.api("/api/inspector/user?userId=pg-user")).json()) as { logRows: number; verdict: string };
    expect(view.logRows).toBeGreaterThanOrEqual(2);
    expect(view.verdict).toBe("Gets “High-value hero” in “Homepage hero” because “High value” matches.");

    const forgotten = (await (await installation.api("/api/inspector/forget", { method: "POST", body: JSON.stringify({ userId: "pg-user" }) })).json()) as { removed: number; stillOpen: number };
    expect(forgotten).toMatchObject({ removed: view.logRows, stillOpen: 0 });
    expect(await stack.server.store.queryLog({ installationUid: installation.uid, userId: "pg-user", limit: 5 })).toEqual([]);
  });
});
