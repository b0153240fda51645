/**
 * The fixture `npm start` runs against: one project with the attributes, events, audience and experiences the app's
 * dev flows use, and the real project limits (10 Management requests/s, 100 custom attributes and events).
 */
import type { EmulatorFixtures } from "./fixtures.ts";

export const DEV_PROJECT_UID = "65f0c0ffee00000000000001";
export const DEV_MANAGEMENT_TOKEN = "dev-management-token";
export const DEV_ORGANIZATION_UID = "65f0c0ffee000000000000a1";

export const devFixture = {
  projects: [
    {
      uid: DEV_PROJECT_UID,
      name: "Dev storefront",
      organizationUid: DEV_ORGANIZATION_UID,
      managementTokens: [DEV_MANAGEMENT_TOKEN],
      attributes: [
        { key: "plan", name: "Plan", description: "Subscription plan" },
        { key: "lifetime_value", name: "Lifetime value", description: "Total revenue from the customer" },
        { key: "first_time_shopper", name: "First-time shopper", description: "Engage audience membership" },
        { key: "email_domain", name: "Email domain", description: "Domain of the customer's email" },
      ],
      events: [
        { key: "Order Completed", description: "Segment track event" },
        { key: "clickCTA", description: "Call-to-action click" },
      ],
      audiences: [
        {
          uid: "65f0c0ffee000000000000b1",
          name: "High value",
          description: "Lifetime value above 100",
          definition: {
            __type: "RuleCombination",
            combinationType: "AND",
            rules: [
              {
                __type: "Rule",
                attribute: { __type: "CustomAttributeReference", ref: "lifetime_value" },
                attributeMatchCondition: "NUMBER_GREATER_THAN",
                attributeMatchOptions: { __type: "NumberMatchOptions", value: 100 },
                invertCondition: false,
              },
            ],
          },
        },
      ],
      experiences: [
        {
          shortUid: "0",
          name: "High-value homepage",
          __type: "SEGMENTED",
          variants: [{ shortUid: "0", name: "High-value hero", audiences: ["High value"] }],
        },
        {
          shortUid: "1",
          name: "Checkout button test",
          __type: "AB_TEST",
          variants: [
            { shortUid: "0", name: "Control" },
            { shortUid: "1", name: "Green button" },
          ],
        },
      ],
      strictness: { rateLimitPerSecond: 10, itemCap: 100 },
    },
  ],
} satisfies EmulatorFixtures;
