/**
 * The compiled server that production runs (`node dist/server.mjs`): server/main.ts and every module it imports,
 * bundled by esbuild into one ES module that imports its packages from node_modules. Without tsx's loader and its
 * per-module transforms, the idle process is about 50 MB smaller (README, "Production deployment").
 * `npm run build` runs this file. dist/server.mjs sits one folder under the project root, as server/runtime.ts does,
 * so PROJECT_ROOT (and with it data/ and dist/ui) is the same from source and from the bundle.
 */
import { build, type Plugin } from "esbuild";
import { fileURLToPath, pathToFileURL } from "node:url";

export const SERVER_BUNDLE = fileURLToPath(new URL("../dist/server.mjs", import.meta.url));

/** The dev environment (emulators, analytics-node, their static files) stays out: `--dev` runs from source. */
const leaveOutDevEnvironment: Plugin = {
  name: "leave-out-dev-environment",
  setup(bundle) {
    bundle.onResolve({ filter: /\/dev-environment\.ts$/ }, (args) => ({ path: args.path, namespace: "left-out" }));
    bundle.onLoad({ filter: /.*/, namespace: "left-out" }, () => ({
      contents: `throw new Error("the compiled server has no dev environment: \`npm start\` runs --dev from source");`,
    }));
  },
};

export async function buildServerBundle(): Promise<string> {
  await build({
    entryPoints: [fileURLToPath(new URL("./main.ts", import.meta.url))],
    outfile: SERVER_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    plugins: [leaveOutDevEnvironment],
    logLevel: "warning",
  });
  return SERVER_BUNDLE;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await buildServerBundle();
