/** `GET /api/installation`: what the UI may know about its installation. Secrets only ever leave masked. */
import type { FastifyInstance } from "fastify";
import { SECRET_KEYS, maskSecret } from "../../src/shared/installation-config.ts";
import { sessionOf } from "../auth/session-routes.ts";
import { HttpError } from "../http/errors.ts";
import type { Installations } from "./installations.ts";

export async function installationRoutes(app: FastifyInstance, deps: { installations: Installations }) {
  app.get("/api/installation", async (request) => {
    const session = sessionOf(request);
    const installation = await deps.installations.get(session.installationUid);
    if (!installation) throw new HttpError(404, "unknown_installation", "this installation was removed; reinstall the app");
    const secrets = Object.fromEntries(SECRET_KEYS.map((key) => [key, maskSecret(installation.serverConfiguration[key])]));
    return {
      installationUid: installation.uid,
      stackApiKey: installation.stackApiKey,
      configuration: installation.configuration,
      secrets,
      updatedAt: new Date(installation.updatedAt).toISOString(),
    };
  });
}
