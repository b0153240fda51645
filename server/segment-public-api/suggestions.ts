/**
 * Mapping suggestions from Segment before any traffic: event names, properties and traits from the workspace's
 * tracking plans (`/tracking-plans/{id}/rules`: track properties at `jsonSchema.properties.properties.properties`,
 * traits at `jsonSchema.properties.traits.properties`), and events and traits Unify observed (`/spaces/{id}/events`,
 * `/spaces/{id}/traits`, alpha, 25 requests/min: the client's cache keeps us far below). Each part fails on its own
 * and says which role it needed.
 */
import type { SegmentProblem, SegmentSuggestions } from "../../src/shared/segment-connect.ts";
import type { PublicApi } from "./client.ts";
import { segmentProblem } from "./problems.ts";

const MAX_PLANS = 10;
const MAX_SPACES = 3;

interface Rule {
  type: string;
  key?: string;
  jsonSchema?: { properties?: Record<string, { properties?: Record<string, unknown> }> };
}

const keysAt = (rule: Rule, field: "properties" | "traits") => Object.keys(rule.jsonSchema?.properties?.[field]?.properties ?? {});

export async function loadSegmentSuggestions(api: PublicApi): Promise<SegmentSuggestions> {
  const result: SegmentSuggestions = { traits: [], events: [], problems: [] };
  const attempt = async (need: "trackingPlans" | "unify", work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      result.problems.push(segmentProblem(error, need) as SegmentProblem);
    }
  };
  await attempt("trackingPlans", async () => {
    const plans = (await api.list<{ id: string; name: string }>("/tracking-plans", "trackingPlans")).slice(0, MAX_PLANS);
    for (const plan of plans) {
      const detail = `tracking plan "${plan.name}"`;
      for (const rule of await api.list<Rule>(`/tracking-plans/${encodeURIComponent(plan.id)}/rules`, "rules")) {
        const type = rule.type.toUpperCase();
        if ((type === "TRACK" || type === "PAGE" || type === "SCREEN") && rule.key) {
          result.events.push({ source: type.toLowerCase() as "track" | "page" | "screen", name: rule.key, origin: "tracking-plan", detail });
        }
        for (const key of keysAt(rule, "properties")) result.traits.push({ path: `properties.${key}`, origin: "tracking-plan", detail });
        for (const key of keysAt(rule, "traits")) result.traits.push({ path: `traits.${key}`, origin: "tracking-plan", detail });
      }
    }
  });
  await attempt("unify", async () => {
    const spaces = (await api.list<{ id: string; name: string }>("/spaces", "spaces", "v1alpha")).slice(0, MAX_SPACES);
    for (const space of spaces) {
      const detail = `Unify space "${space.name}"`;
      const base = `/spaces/${encodeURIComponent(space.id)}`;
      for (const event of await api.list<{ name?: string }>(`${base}/events`, "events", "v1alpha")) {
        if (event.name) result.events.push({ source: "track", name: event.name, origin: "unify", detail });
      }
      for (const trait of await api.list<{ key?: string; name?: string }>(`${base}/traits`, "traits", "v1alpha")) {
        const key = trait.key ?? trait.name;
        if (key) result.traits.push({ path: `traits.${key}`, origin: "unify", detail });
      }
    }
  });
  const seen = new Set<string>();
  const once = (key: string) => !seen.has(key) && Boolean(seen.add(key));
  result.events = result.events.filter((event) => once(`e ${event.source} ${event.name}`));
  result.traits = result.traits.filter((trait) => once(`t ${trait.path}`));
  return result;
}
