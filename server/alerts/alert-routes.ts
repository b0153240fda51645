/** `GET /api/alerts`: the session's installation's active alerts and their history, for the widget and the log. */
import type { FastifyInstance } from "fastify";
import { sessionOf } from "../auth/session-routes.ts";
import type { AlertMonitor } from "./alert-monitor.ts";

export async function alertRoutes(app: FastifyInstance, deps: { monitor: AlertMonitor }) {
  app.get("/api/alerts", async (request) => deps.monitor.forInstallation(sessionOf(request).installationUid));
}
