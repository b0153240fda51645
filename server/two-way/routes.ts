/** `POST /api/two-way/check {userId}`: the dashboard's "check variants now" for one user of the session's installation. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { describeIssue } from "../../src/shared/installation-config.ts";
import { sessionOf } from "../auth/session-routes.ts";
import { HttpError } from "../http/errors.ts";
import type { CheckResult } from "./assignment-sync.ts";

const bodySchema = z.object({ userId: z.string().trim().min(1, "is required").max(512, "must be at most 512 characters") });

export async function twoWayRoutes(
  app: FastifyInstance,
  deps: { check: (installationUid: string, userId: string) => Promise<CheckResult> },
) {
  app.post("/api/two-way/check", async (request) => {
    const parsed = bodySchema.safeParse(request.body);
    if (!parsed.success) throw new HttpError(400, "invalid_request", describeIssue(parsed.error.issues[0]));
    return deps.check(sessionOf(request).installationUid, parsed.data.userId);
  });
}
