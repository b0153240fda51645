import { describe, expect, it } from "vitest";
import { startPersonalizeEmulator } from "../emulators/personalize/index.ts";
import { fixtures, project, PROJECT, TOKEN } from "../emulators/personalize/test-support.ts";
import { createManagementClient, managementAuthHeader, readErrorMessage } from "./client.ts";
import { createRateLimiter } from "./rate-limiter.ts";

describe("readErrorMessage (personalize-api.md §7.1 order: errors, error, error_message, message)", () => {
  it.each([
    ["field errors first", { errors: { key: "key is required", name: ["too long", "bad"] }, message: "Validation failed" }, "key: key is required; name: too long, bad"],
    ["a list of errors", { errors: [{ message: "STATUS_REQUIRED" }, "EMPTY_ARRAY"] }, "STATUS_REQUIRED, EMPTY_ARRAY"],
    ["an error code with its message", { error: "personalize.PROJECTS.DUPLICATE_NAME", message: "Name taken" }, "Name taken (personalize.PROJECTS.DUPLICATE_NAME)"],
    ["a bare error", { error: "Not allowed" }, "Not allowed"],
    ["error_message before message", { error_message: "Token expired", message: "Unauthorized" }, "Token expired"],
    ["message alone", { message: "You're not allowed in here unless you're logged in." }, "You're not allowed in here unless you're logged in."],
    ["a text body", "Bad gateway", "Bad gateway"],
    ["nothing useful", { status: 500 }, null],
    ["an empty body", null, null],
  ])("reads %s", (_label, body, expected) => {
    expect(readErrorMessage(body)).toBe(expected);
  });
});

describe("managementAuthHeader", () => {
  it("sends a user authtoken as authtoken and an OAuth token as Bearer, never both", () => {
    expect(managementAuthHeader("t0k", "authtoken")).toEqual({ authtoken: "t0k" });
    expect(managementAuthHeader("t0k", "bearer")).toEqual({ authorization: "Bearer t0k" });
  });
});

describe("a rate-limited answer", () => {
  it("is waited out for its Retry-After and the request sent again, at most twice", async () => {
    const emulator = await startPersonalizeEmulator({ fixtures: fixtures(project()) });
    try {
      const api = createManagementClient({ limiter: createRateLimiter({ limit: 10, windowMs: 1000 }) })({
        baseUrl: emulator.managementUrl,
        projectUid: PROJECT,
        token: TOKEN,
        tokenType: "authtoken",
        organizationUid: "org-1",
      });
      emulator.addFault({ kind: "rate-limit", retryAfterSeconds: 1, route: "GET /management/attributes", times: 1 });
      expect(await api.list("attributes")).toEqual(expect.any(Array));
      const statuses = () => emulator.requests({ path: "/management/attributes" }).map((r) => r.response?.status);
      expect(statuses()).toEqual([429, 200]);
      const [limited, retried] = emulator.requests({ path: "/management/attributes" });
      expect(retried!.receivedAt - limited!.response!.sentAt).toBeGreaterThanOrEqual(1000);

      emulator.addFault({ kind: "rate-limit", retryAfterSeconds: 1, route: "GET /management/attributes", times: 3 });
      await expect(api.list("attributes")).rejects.toMatchObject({ status: 429 });
      expect(statuses()).toEqual([429, 200, 429, 429, 429]);
    } finally {
      await emulator.close();
    }
  });
});
