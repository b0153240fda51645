import { describe, expect, it } from "vitest";
import { managementAuthHeader, readErrorMessage } from "./client.ts";

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
