/**
 * What the config screen learns from the project's audience rules: the type each attribute needs (to flag a
 * mapping row that declares another) with the Engage computations feeding them, and for the event tester, which
 * audience rules each value would satisfy or break. Both read the saved installation's Personalize definitions.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { impactRequestSchema, type ImpactResponse, type Rule, type RuleCombination, type RequirementsResponse } from "../../src/shared/audiences.ts";
import { sessionOf } from "../auth/session-routes.ts";
import { parseBody } from "../config-api/draft.ts";
import { HttpError } from "../http/errors.ts";
import type { Installations } from "../installations/installations.ts";
import type { Store } from "../store/types.ts";
import { evaluateRule } from "./evaluate.ts";
import type { ProjectDefinitionsCache } from "./project-definitions.ts";

/** Recent inbound rows read for the Engage computations they carried. */
const ENGAGE_ROWS = 2000;

const refreshSchema = z.object({ refresh: z.enum(["0", "1"], { error: 'must be "0" or "1"' }).default("0") });


function* rulesOf(definition: RuleCombination): Generator<Rule> {
  for (const node of definition.rules) {
    if (node.__type === "RuleCombination") yield* rulesOf(node);
    else yield node;
  }
}

export async function audienceRoutes(
  app: FastifyInstance,
  deps: { store: Store; installations: Installations; definitions: ProjectDefinitionsCache },
) {
  const savedInstallation = async (installationUid: string) => {
    const installation = await deps.installations.get(installationUid);
    if (!installation) throw new HttpError(404, "unknown_installation", "this installation was removed; reinstall the app");
    return installation;
  };

  app.get("/api/audiences/requirements", async (request): Promise<RequirementsResponse> => {
    const { installationUid } = sessionOf(request);
    const { refresh } = parseBody(refreshSchema, request.query);
    const installation = await savedInstallation(installationUid);
    const result = await deps.definitions.get(installation, refresh === "1");
    if (!result.ok) return { ok: false, reason: result.reason };
    const requirements = [...result.definitions.requirements.values()];
    const rows = await deps.store.queryLog({ installationUid, directions: ["inbound"], limit: ENGAGE_ROWS });
    const prefix = installation.configuration.engage.attributePrefix;
    const engage = new Map<string, { computationKey: string; computationClass: string; attribute: string; audiences: string[] }>();
    for (const row of rows) {
      const computation = (row.detail.mapping as { engage?: { computationKey?: unknown; computationClass?: unknown } } | undefined)?.engage;
      if (typeof computation?.computationKey !== "string" || engage.has(computation.computationKey)) continue;
      const attribute = `${prefix}${computation.computationKey}`;
      const requirement = result.definitions.requirements.get(attribute);
      engage.set(computation.computationKey, {
        computationKey: computation.computationKey,
        computationClass: String(computation.computationClass ?? ""),
        attribute,
        audiences: requirement ? [...requirement.audiences, ...requirement.conflicts.map((conflict) => conflict.audience)] : [],
      });
    }
    return { ok: true, fetchedAt: result.definitions.fetchedAt, requirements, engage: [...engage.values()] };
  });

  app.post("/api/audiences/impact", async (request): Promise<ImpactResponse> => {
    const { installationUid } = sessionOf(request);
    const { attributes } = parseBody(impactRequestSchema, request.body);
    const result = await deps.definitions.get(await savedInstallation(installationUid));
    if (!result.ok) return { ok: false, reason: result.reason };
    const { definitions } = result;
    const keyByRef = new Map<string, string>();
    for (const attribute of definitions.attributes) {
      keyByRef.set(attribute.key, attribute.key);
      if (attribute.uid) keyByRef.set(attribute.uid, attribute.key);
    }
    const keyOf = (ref: string) => keyByRef.get(ref);
    return {
      ok: true,
      attributes: Object.entries(attributes).map(([key, value]) => ({
        key,
        value,
        requiredType: definitions.requirements.get(key)?.type ?? null,
        audiences: definitions.audiences.flatMap((audience) =>
          [...rulesOf(audience.definition)]
            .filter((rule) => rule.attribute.__type !== "PresetAttributeReference" && keyOf(rule.attribute.ref) === key)
            .map((rule) => {
              const evaluated = evaluateRule(rule, keyOf, { [key]: value });
              const effect = evaluated.result === true ? "satisfies" : evaluated.result === false ? "breaks" : "depends";
              return { audience: audience.name, effect, explanation: evaluated.explanation };
            }),
        ),
      })),
    };
  });
}
