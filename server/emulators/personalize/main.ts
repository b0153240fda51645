/**
 * Runs the emulator with the dev fixture: `tsx server/emulators/personalize/main.ts --port 3002 [--host 127.0.0.1]`.
 */
import { parseArgs } from "node:util";
import { DEV_MANAGEMENT_TOKEN, DEV_PROJECT_UID, devFixture } from "./dev-fixture.ts";
import { startPersonalizeEmulator } from "./index.ts";

const { values } = parseArgs({
  options: { port: { type: "string", default: "3002" }, host: { type: "string", default: "127.0.0.1" } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  process.exit(2);
}

const emulator = await startPersonalizeEmulator({ port, host: values.host, fixtures: devFixture });
console.log(`Personalize emulator listening on ${emulator.url}`);
console.log(`  Edge API        ${emulator.url}`);
console.log(`  Management API  ${emulator.managementUrl}  (authtoken: ${DEV_MANAGEMENT_TOKEN})`);
console.log(`  Control API     ${emulator.controlUrl}`);
console.log(`  Project uid     ${DEV_PROJECT_UID}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
