import { describe, expect, it } from "vitest";
import { loadSettings } from "./config.ts";
import { spawnServerProcess } from "./testing/server-process.ts";

const base = { APP_UID: "app", SESSION_SECRET: "s".repeat(32), SECRETS_KEYS: `k1:${Buffer.alloc(32).toString("base64")}` };

describe("configuration at start", () => {
  it("names the variable for each bad value", () => {
    expect(() => loadSettings({ ...base, PORT: "http" })).toThrow(/PORT must be an integer from 0 to 65535 \(got "http"\)/);
    expect(() => loadSettings({ ...base, PORT: "70000" })).toThrow(/PORT/);
    expect(() => loadSettings({ ...base, ROLE: "boss" })).toThrow(/ROLE must be "all", "api" or "worker"/);
    expect(() => loadSettings({ ...base, CS_PUBLIC_KEYS_URL: "not a url" })).toThrow(/CS_PUBLIC_KEYS_URL/);
    expect(() => loadSettings({ ...base, APP_UID: "" })).toThrow(/APP_UID is required/);
    expect(() => loadSettings({ ...base, SESSION_SECRET: "short" })).toThrow(/SESSION_SECRET must be at least 32/);
    expect(() => loadSettings({ ...base, SECRETS_KEYS: undefined })).toThrow(/SECRETS_KEYS is required/);
    expect(loadSettings(base).PORT).toBe(3000);
  });

  it("fails fast with a message naming the variable when the process starts with a bad port or database path", async () => {
    await expect(spawnServerProcess({ ...base, PORT: "abc" })).rejects.toThrow(/exited with 1[\s\S]*PORT must be an integer/);
    await expect(spawnServerProcess({ ...base, PORT: "0", DATABASE_URL: "/etc/hostname/sync.db" })).rejects.toThrow(
      /exited with 1[\s\S]*DATABASE_URL "\/etc\/hostname\/sync.db" is not usable/,
    );
    await expect(spawnServerProcess({ ...base, PORT: "0", SECRETS_KEYS: "k1:tooshort" })).rejects.toThrow(/SECRETS_KEYS entries must be/);
  });
});
