/**
 * Serves the built UI with an SPA fallback for the location routes, under a CSP whose `frame-ancestors` allows
 * only Contentstack's app hosts (and the local host simulator in development).
 */
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REGIONS, contentstackAppHost } from "../../src/shared/regions.ts";

export function contentSecurityPolicy(extraFrameAncestors: readonly string[]): string {
  const ancestors = [...REGIONS.map(contentstackAppHost), ...extraFrameAncestors].join(" ");
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    // Inter is bundled (@fontsource/inter); nothing is fetched from a font host.
    "font-src 'self' data:",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    `frame-ancestors ${ancestors}`,
  ].join("; ");
}

export async function staticUi(app: FastifyInstance, deps: { uiDir: string; frameAncestors: readonly string[] }) {
  if (!existsSync(join(deps.uiDir, "index.html"))) {
    app.log.warn(`no built UI in ${deps.uiDir}; run "npm run build"`);
    return;
  }
  const csp = contentSecurityPolicy(deps.frameAncestors);
  app.addHook("onSend", async (request, reply) => {
    if (!request.url.startsWith("/api/")) reply.header("content-security-policy", csp);
  });
  await app.register(fastifyStatic, { root: deps.uiDir, wildcard: false, index: false });
  for (const route of ["/config", "/sync-log", "/dashboard", "/"]) {
    app.get(route, (_request, reply) => reply.type("text/html").sendFile("index.html"));
  }
}
