/**
 * The Personalize project behind the inspector's tests (Vitest and Playwright): audiences that compare numbers,
 * a boolean and a preset attribute, and experiences targeting them, with rules typed as the issue describes
 * (a value of another type fails its rule).
 */
import type { ProjectFixture } from "../emulators/personalize/index.ts";

export const INSPECTOR_MANAGEMENT_TOKEN = "inspector-management-token";

const numberOver = (ref: string, value: number) => ({
  __type: "Rule" as const,
  attribute: { __type: "CustomAttributeReference" as const, ref },
  attributeMatchCondition: "NUMBER_GREATER_THAN" as const,
  attributeMatchOptions: { __type: "NumberMatchOptions", value },
  invertCondition: false,
});

export function inspectorProject(uid: string): ProjectFixture {
  return {
    uid,
    name: "Inspector project",
    managementTokens: [INSPECTOR_MANAGEMENT_TOKEN],
    strictness: { typedRules: true },
    attributes: [{ key: "lifetime_value", name: "Lifetime value" }, { key: "total_revenue_180_days" }, { key: "plan" }],
    audiences: [
      { name: "High value", definition: { __type: "RuleCombination", combinationType: "AND", rules: [numberOver("lifetime_value", 100)] } },
      { name: "Big spenders", definition: { __type: "RuleCombination", combinationType: "AND", rules: [numberOver("total_revenue_180_days", 400)] } },
      {
        name: "Mobile pros",
        definition: {
          __type: "RuleCombination",
          combinationType: "AND",
          rules: [
            {
              __type: "Rule",
              attribute: { __type: "PresetAttributeReference", ref: "DEVICE_TYPE" },
              attributeMatchCondition: "STRING_EQUALS",
              attributeMatchOptions: { __type: "StringMatchOptions", value: "MOBILE" },
              invertCondition: false,
            },
            {
              __type: "Rule",
              attribute: { __type: "CustomAttributeReference", ref: "plan" },
              attributeMatchCondition: "STRING_EQUALS",
              attributeMatchOptions: { __type: "StringMatchOptions", value: "pro" },
              invertCondition: false,
            },
          ],
        },
      },
    ],
    experiences: [
      {
        shortUid: "0",
        name: "Homepage hero",
        __type: "SEGMENTED",
        variants: [
          { shortUid: "0", name: "High-value hero", audiences: ["High value"] },
          { shortUid: "1", name: "Big spender offer", audiences: ["Big spenders"] },
        ],
      },
      { shortUid: "1", name: "Mobile banner", __type: "SEGMENTED", variants: [{ shortUid: "0", name: "Pro app banner", audiences: ["Mobile pros"] }] },
    ],
  };
}

/** The installation: lifetime_value through an `auto` row, other traits passed through, Engage computed traits on. */
export function inspectorConfiguration(projectUid: string, edgeUrl: string, managementUrl: string) {
  return {
    configuration: {
      personalize: { region: "CUSTOM" as const, projectUid, customEdgeUrl: edgeUrl, customManagementUrl: managementUrl },
      unmappedTraits: "passthrough" as const,
      attributeMappings: [{ id: "ltv", source: "traits.lifetime_value", attribute: "lifetime_value" }],
      engage: { audiences: true, computedTraits: true },
    },
    serverConfiguration: { personalizeManagementToken: INSPECTOR_MANAGEMENT_TOKEN },
  };
}
