/**
 * Process entry. `--dev` (what `npm start` passes) adds the local Contentstack host simulator, the Personalize
 * emulator and demo traffic, and prints the one URL to open. `--role=api|worker|all` overrides ROLE.
 */
import { resolve } from "node:path";
import { ConfigError, loadSettings } from "./config.ts";
import type { DevEnvironment } from "./dev-environment.ts";
import { PROJECT_ROOT, startServer } from "./runtime.ts";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dev = args.includes("--dev");
  const role = args.find((a) => a.startsWith("--role="))?.slice("--role=".length);
  const env: Record<string, string | undefined> = { ...process.env, ...(role ? { ROLE: role } : {}) };
  const dataDir = resolve(PROJECT_ROOT, env.DATA_DIR ?? "data");

  // Only `--dev` loads the emulators and analytics-node; the compiled production server leaves them out.
  const devModule = dev ? await import("./dev-environment.ts") : null;
  let devEnvironment: DevEnvironment | null = null;
  let secretKeys = env.SECRETS_KEYS ?? "";
  if (devModule) {
    const { DEV_IDENTITY, loadDevKeys, startDevEnvironment } = devModule;
    const keys = loadDevKeys(dataDir);
    const port = Number(env.PORT ?? 3000);
    devEnvironment = await startDevEnvironment({ appPort: Number.isInteger(port) ? port : 3000, dataDir, keys });
    env.APP_UID ??= DEV_IDENTITY.appUid;
    env.CS_PUBLIC_KEYS_URL ??= devEnvironment.host.publicKeysUrl;
    env.SESSION_SECRET ??= keys.sessionSecret;
    env.PERSONALIZE_HOST_ALLOWLIST = [env.PERSONALIZE_HOST_ALLOWLIST, ...devEnvironment.hostAllowlist].filter(Boolean).join(",");
    env.HOST ??= "127.0.0.1";
    env.SEGMENT_HOST_OVERRIDE ??= devEnvironment.segment.url;
    env.SEGMENT_PUBLIC_API_URL ??= devEnvironment.segment.url;
    env.DATABASE_URL ??= resolve(dataDir, "sync.db");
    secretKeys ||= keys.secretKeys;
  }
  const settings = loadSettings(env, { dev });
  const server = await startServer(settings, {
    secretKeys,
    frameAncestors: devEnvironment ? [devEnvironment.host.url] : [],
  });

  let demo: { stop(): Promise<void> } | null = null;
  if (devModule && devEnvironment && server.url) {
    const { DEV_IDENTITY, connectDemoSource, startDemoTraffic } = devModule;
    if (!(await server.store.getInstallation(DEV_IDENTITY.installationUid))) {
      const response = await devEnvironment.host.sendLifecycleWebhook("install");
      if (response.status >= 300) console.warn(`install webhook answered ${response.status}: ${response.body}`);
    }
    if (process.env.DEMO_TRAFFIC !== "0") {
      const installation = await server.store.getInstallation(DEV_IDENTITY.installationUid);
      if (installation) {
        // The demo goes through "Segment": one-click Connect of the Website source, then analytics-node sends there.
        const appBaseUrl = `http://localhost:${new URL(server.url).port}`;
        const connected = await connectDemoSource(devEnvironment.segment.url, appBaseUrl, installation).then(
          () => true,
          (error: Error) => (console.warn(`demo Connect failed, sending straight to the Tracking API: ${error.message}`), false),
        );
        const writeKey = installation.serverConfiguration.trackingWriteKey;
        if (connected) demo = startDemoTraffic(devEnvironment.segment.url, devEnvironment.keys.demoSourceWriteKey);
        else if (writeKey) demo = startDemoTraffic(server.url, writeKey);
      }
    }
    console.log(`\n  Segment → Personalize sync is running.\n\n  Open ${devEnvironment.host.hostPageUrl("APP_CONFIG_WIDGET")}\n`);
  } else if (server.url) {
    console.log(`listening on ${server.url} (role ${settings.ROLE}, store ${server.store.kind})`);
  } else {
    console.log(`delivery worker started (store ${server.store.kind})`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight deliveries…`);
    await demo?.stop();
    await server.close();
    await devEnvironment?.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
