/**
 * Shared by the emulator's tests: a project fixture covering every emulated rule condition, and request helpers.
 */
import type { EmulatorFixtures, PersonalizeEmulator, ProjectFixture } from "./index.ts";

export const PROJECT = "testproject0000000000001";
export const OTHER_PROJECT = "testproject0000000000002";
export const TOKEN = "test-management-token";

type RuleInput = {
  key: string;
  condition: string;
  value?: string | number | { from: string; to: string };
  invert?: boolean;
};

export function rule({ key, condition, value, invert = false }: RuleInput) {
  return {
    __type: "Rule" as const,
    attribute: { __type: "CustomAttributeReference" as const, ref: key },
    attributeMatchCondition: condition as "STRING_EQUALS",
    ...(value === undefined ? {} : { attributeMatchOptions: { value } }),
    invertCondition: invert,
  };
}

/** A rule on a preset attribute Personalize reads from the visitor's request (§7.3). */
export function preset(ref: string, condition: string, value?: string) {
  return {
    __type: "Rule" as const,
    attribute: { __type: "PresetAttributeReference" as const, ref: ref as "COUNTRY" },
    attributeMatchCondition: condition as "STRING_EQUALS",
    ...(value === undefined ? {} : { attributeMatchOptions: { value } }),
    invertCondition: false,
  };
}

export function audience(name: string, combinationType: "AND" | "OR", rules: Array<ReturnType<typeof rule> | ReturnType<typeof preset>>) {
  return { name, definition: { __type: "RuleCombination" as const, combinationType, rules } };
}

export function project(overrides: Partial<ProjectFixture> = {}): ProjectFixture {
  return {
    uid: PROJECT,
    managementTokens: [TOKEN],
    attributes: [
      { key: "plan" },
      { key: "lifetime_value" },
      { key: "first_time_shopper" },
      { key: "email_domain" },
    ],
    events: [{ key: "Order Completed" }, { key: "clickCTA" }],
    ...overrides,
  };
}

export function fixtures(...projects: ProjectFixture[]): EmulatorFixtures {
  return { projects: projects.length > 0 ? projects : [project()] };
}

export function edgeHeaders(userUid?: string, projectUid = PROJECT): Record<string, string> {
  return {
    "x-project-uid": projectUid,
    ...(userUid === undefined ? {} : { "x-cs-personalize-user-uid": userUid, "x-cs-eclipse-user-uid": userUid }),
  };
}

export function patchAttributes(emulator: PersonalizeEmulator, userUid: string, attributes: unknown, projectUid = PROJECT) {
  return fetch(`${emulator.url}/user-attributes`, {
    method: "PATCH",
    headers: { ...edgeHeaders(userUid, projectUid), "content-type": "application/json" },
    body: JSON.stringify(attributes),
  });
}

export async function manifest(emulator: PersonalizeEmulator, userUid: string, query = "", projectUid = PROJECT) {
  const response = await fetch(`${emulator.url}/manifest${query}`, { headers: edgeHeaders(userUid, projectUid) });
  return { status: response.status, body: (await response.json()) as unknown, response };
}

/** The variant per experience shortUid, from a manifest body. */
export function variants(body: unknown): Record<string, string | null> {
  const { experiences } = body as { experiences: Array<{ shortUid: string; activeVariantShortUid: string | null }> };
  return Object.fromEntries(experiences.map((entry) => [entry.shortUid, entry.activeVariantShortUid]));
}
