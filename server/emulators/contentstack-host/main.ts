/**
 * Runs the Contentstack host simulator on its own:
 *   npx tsx server/emulators/contentstack-host/main.ts --port 3001 --app http://localhost:3000
 * The app must be served from a different origin (e.g. localhost vs the simulator's 127.0.0.1).
 */
import { parseArgs } from "node:util";
import { trimTrailingSlash } from "../../../src/shared/regions";
import { HOST_LOCATIONS, startContentstackHost } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3001" },
    host: { type: "string", default: "127.0.0.1" },
    app: { type: "string", default: "http://localhost:3000" },
    // Empty string turns lifecycle webhooks off; default is `<app>/webhooks/contentstack`.
    webhook: { type: "string" },
    "data-file": { type: "string", default: "data/contentstack-host.json" },
    "app-uid": { type: "string", default: "dev_app_segment_sync" },
    "installation-uid": { type: "string", default: "dev_installation" },
    "stack-api-key": { type: "string", default: "dev_stack_api_key" },
    "organization-uid": { type: "string", default: "dev_organization" },
    "user-uid": { type: "string", default: "dev_user" },
    region: { type: "string", default: "NA" },
    padding: { type: "string", default: "pss" },
  },
});

if (values.padding !== "pss" && values.padding !== "pkcs1") {
  throw new Error(`--padding must be pss or pkcs1, got ${values.padding}`);
}
const lifecycleWebhookUrl = values.webhook ?? `${trimTrailingSlash(values.app)}/webhooks/contentstack`;

const host = await startContentstackHost({
  port: Number(values.port),
  host: values.host,
  appBaseUrl: values.app,
  lifecycleWebhookUrl: lifecycleWebhookUrl || undefined,
  dataFile: values["data-file"],
  appUid: values["app-uid"],
  installationUid: values["installation-uid"],
  stackApiKey: values["stack-api-key"],
  organizationUid: values["organization-uid"],
  userUid: values["user-uid"],
  region: values.region,
  webhookSignaturePadding: values.padding,
});

console.log(`Contentstack host simulator: open ${host.url}/`);
for (const location of HOST_LOCATIONS) console.log(`  ${location.padEnd(18)} ${host.hostPageUrl(location)}`);
console.log(`  public key         ${host.publicKeysUrl}`);
console.log(`  lifecycle webhooks ${lifecycleWebhookUrl || "off"}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void host.close().then(() => process.exit(0)));
}
