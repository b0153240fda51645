import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureHeaderValue } from "../emulators/contentstack-host/lifecycle-webhook.ts";
import { TEST_APP_UID, startTestStack, type TestInstallation, type TestStack } from "../testing/harness.ts";

let stack: TestStack;
let a: TestInstallation;
let b: TestInstallation;

beforeAll(async () => {
  stack = await startTestStack();
  a = await stack.install();
  b = await stack.install();
});
afterAll(() => stack.close());

async function postSession(token: string | null) {
  const response = await fetch(`${stack.url}/api/session`, {
    method: "POST",
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: (await response.json()) as { token?: string; message?: string; installationUid?: string } };
}

describe("POST /api/session", () => {
  it("issues a session scoped to the installation for a valid app-token", async () => {
    const { status, body } = await postSession(await a.appToken());
    expect(status).toBe(200);
    expect(body.installationUid).toBe(a.uid);
    const me = await fetch(`${stack.url}/api/installation`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(me.status).toBe(200);
    const installation = (await me.json()) as { installationUid: string; secrets: Record<string, string> };
    expect(installation.installationUid).toBe(a.uid);
    expect(installation.secrets.trackingWriteKey).toBe(`••••${a.writeKey.slice(-4)}`);
    expect(JSON.stringify(installation)).not.toContain(a.writeKey);
    expect(JSON.stringify(installation)).not.toContain(a.sharedSecret);
  });

  it("refuses a missing app-token", async () => {
    const { status, body } = await postSession(null);
    expect(status).toBe(401);
    expect(body.message).toMatch(/app-token/);
  });

  it("refuses an expired app-token", async () => {
    const { status, body } = await postSession(await a.appToken({ expiresInSeconds: -120 }));
    expect(status).toBe(401);
    expect(body.message).toMatch(/expired/);
  });

  it("refuses an app-token for another app", async () => {
    const { status, body } = await postSession(await a.appToken({ app_uid: "someone-elses-app" }));
    expect(status).toBe(401);
    expect(body.message).toMatch(/another app/);
  });

  it("refuses a forged app-token signed with another key", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT({
      app_uid: TEST_APP_UID,
      installation_uid: a.uid,
      organization_uid: a.organizationUid,
      user_uid: "attacker",
      stack_api_key: a.stackApiKey,
    })
      .setProtectedHeader({ alg: "RS256" })
      .setExpirationTime("5m")
      .sign(privateKey);
    const { status, body } = await postSession(forged);
    expect(status).toBe(401);
    expect(body.message).toMatch(/signature is invalid/);
  });

  it("refuses an unsigned (alg none) or HS256 token", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    const claims = Buffer.from(JSON.stringify({ app_uid: TEST_APP_UID, installation_uid: a.uid, exp: 9999999999 })).toString("base64url");
    expect((await postSession(`${header}.${claims}.`)).status).toBe(401);
    const hs = await new SignJWT({ app_uid: TEST_APP_UID, installation_uid: a.uid, stack_api_key: a.stackApiKey })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("x".repeat(32)));
    expect((await postSession(hs)).status).toBe(401);
  });

  it("refuses /api calls without a session, with a forged session, or with an app-token as session", async () => {
    expect((await fetch(`${stack.url}/api/installation`)).status).toBe(401);
    const forged = await new SignJWT({ typ: "session" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(b.uid)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("not-the-server-secret-not-the-server-secret"));
    expect((await fetch(`${stack.url}/api/installation`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const appToken = await a.appToken();
    expect((await fetch(`${stack.url}/api/installation`, { headers: { authorization: `Bearer ${appToken}` } })).status).toBe(401);
  });

  it("keeps a session of installation A away from installation B", async () => {
    const response = await a.api(`/api/installation?installationUid=${b.uid}`);
    expect(((await response.json()) as { installationUid: string }).installationUid).toBe(a.uid);
  });
});

describe("POST /webhooks/contentstack (lifecycle)", () => {
  it("updates the configuration on a signed update", async () => {
    const response = await a.lifecycle("update", {
      configuration: { unmappedTraits: "passthrough" },
      serverConfiguration: { trackingWriteKey: a.writeKey },
    });
    expect(response.status).toBe(200);
    const installation = await stack.server.store.getInstallation(a.uid);
    expect(installation?.configuration.unmappedTraits).toBe("passthrough");
  });

  it("refuses a signature made with the other padding than the configured one", async () => {
    const response = await a.lifecycle("uninstall", undefined, { padding: "pkcs1" });
    expect(response.status).toBe(401);
    expect(await stack.server.store.getInstallation(a.uid)).not.toBeNull();
  });

  it("refuses a tampered body, a stale triggered_at and a missing signature", async () => {
    const tampered = await a.lifecycle("uninstall", undefined, { tamper: (body) => body.replace('"uninstall"', '"uninstalL"') });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { message: string }).message).toMatch(/does not match/);
    const stale = await a.lifecycle("uninstall", undefined, { triggeredAt: new Date(Date.now() - 6 * 60_000) });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { message: string }).message).toMatch(/5 minutes/);
    const unsigned = await fetch(`${stack.url}/webhooks/contentstack`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ event: "uninstall", triggered_at: new Date().toISOString() }),
    });
    expect(unsigned.status).toBe(401);
    expect(await stack.server.store.getInstallation(a.uid)).not.toBeNull();
  });

  it("refuses a replayed lifecycle webhook (the same signed body again) with 409 and changes nothing", async () => {
    let body = "";
    const first = await a.lifecycle("update", undefined, { tamper: (sent) => (body = sent) });
    expect(first.status).toBe(200);
    const signature = signatureHeaderValue(body, stack.contentstack.signingKey, "pss");
    const before = await stack.server.store.getInstallation(a.uid);
    const replay = await fetch(`${stack.url}/webhooks/contentstack`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-contentstack-request-signature": signature },
      body,
    });
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { message: string }).message).toMatch(/already applied/);
    expect((await stack.server.store.getInstallation(a.uid))?.updatedAt).toBe(before?.updatedAt);
  });

  it("refuses a signed update with invalid configuration, naming the field", async () => {
    const response = await a.lifecycle("update", { configuration: { personalize: { projectUid: "short" } as never } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/projectUid/);
  });

  it("uninstall removes the installation and every row it owns", async () => {
    const doomed = await stack.install();
    const basic = `Basic ${Buffer.from(`${doomed.writeKey}:`).toString("base64")}`;
    const sent = await fetch(`${stack.url}/v1/track`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic },
      body: JSON.stringify({ userId: "gone-1", event: "Anything" }),
    });
    expect(sent.status).toBe(200);
    // Staged (accepted, not yet expanded) or already in the log: uninstall must remove it either way.
    const held = async () =>
      (await stack.server.store.stagedEvents(doomed.uid)) +
      (await stack.server.store.queryLog({ installationUid: doomed.uid, limit: 10 })).length;
    expect(await held()).toBeGreaterThan(0);
    const response = await doomed.lifecycle("uninstall");
    expect(response.status).toBe(200);
    expect(await stack.server.store.getInstallation(doomed.uid)).toBeNull();
    expect(await held()).toBe(0);
    const after = await fetch(`${stack.url}/v1/track`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basic },
      body: JSON.stringify({ userId: "gone-1", event: "Anything" }),
    });
    expect(after.status).toBe(401);
  });
});

describe("rate limits on the authentication routes", () => {
  it("keys the per-address limit on the socket address: a forged X-Forwarded-For does not get around it", async () => {
    const limited = await startTestStack();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 61; i++) {
        const response = await fetch(`${limited.url}/api/session`, {
          method: "POST",
          headers: { authorization: "Bearer not-a-token", "x-forwarded-for": `203.0.113.${i}` },
        });
        statuses.push(response.status);
        await response.body?.cancel();
      }
      expect(statuses.slice(0, 60).filter((s) => s === 429)).toEqual([]);
      expect(statuses[60]).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it("with TRUST_PROXY set to the proxy, limits per forwarded address and per installation across addresses", async () => {
    const proxied = await startTestStack({ env: { TRUST_PROXY: "loopback" } });
    try {
      const installation = await proxied.install();
      const token = await installation.appToken();
      const session = (address: string) =>
        fetch(`${proxied.url}/api/session`, { method: "POST", headers: { authorization: `Bearer ${token}`, "x-forwarded-for": address } });
      const statuses: number[] = [];
      for (let i = 0; i < 121; i++) {
        const response = await session(`203.0.113.${i}`);
        statuses.push(response.status);
        if (i < 120) await response.body?.cancel();
        else expect(((await response.json()) as { message: string }).message).toMatch(/for this installation/);
      }
      expect(statuses.slice(0, 120).filter((s) => s !== 200)).toEqual([]);
      expect(statuses[120]).toBe(429);
    } finally {
      await proxied.close();
    }
  });

  it("answers 429 with Retry-After once an address exceeds 60 session requests a minute", async () => {
    const limited = await startTestStack();
    try {
      const installation = await limited.install();
      const token = await installation.appToken();
      const statuses: number[] = [];
      for (let i = 0; i < 62; i++) {
        const response = await fetch(`${limited.url}/api/session`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
        statuses.push(response.status);
        if (response.status === 429) {
          expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
          expect(((await response.json()) as { message: string }).message).toMatch(/at most 60 per 60 s/);
        } else await response.body?.cancel();
      }
      expect(statuses.slice(0, 60).filter((s) => s === 429)).toEqual([]);
      expect(statuses.slice(60)).toEqual([429, 429]);
    } finally {
      await limited.close();
    }
  });
});
