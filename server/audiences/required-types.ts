/**
 * The type each custom attribute needs, derived from the project's audience rules: Personalize attributes carry
 * no type (personalize-api.md §7.3), so the conditions that compare an attribute are the only place one lives.
 * Pure. The first audience (in the Management API's order) that types an attribute sets its type; audiences that
 * compare it as another type are listed as conflicts.
 */
import { CONDITION_VALUE_TYPE, RULE_CONDITIONS, type AttributeRequirement, type Rule, type RuleCombination, type RuleCondition } from "../../src/shared/audiences.ts";
import type { AttributeKeyOf } from "./evaluate.ts";

export interface NamedAudience {
  uid: string;
  name: string;
  definition: RuleCombination;
}

const CONDITION_SET: ReadonlySet<string> = new Set(RULE_CONDITIONS);

function* customRules(definition: RuleCombination): Generator<Rule> {
  for (const node of definition.rules) {
    if (node.__type === "RuleCombination") yield* customRules(node);
    else if (node.attribute.__type !== "PresetAttributeReference") yield node;
  }
}

export function deriveRequirements(audiences: readonly NamedAudience[], attributeKeyOf: AttributeKeyOf): Map<string, AttributeRequirement> {
  const requirements = new Map<string, AttributeRequirement>();
  for (const audience of audiences) {
    for (const rule of customRules(audience.definition)) {
      if (!CONDITION_SET.has(rule.attributeMatchCondition)) continue;
      const type = CONDITION_VALUE_TYPE[rule.attributeMatchCondition as RuleCondition];
      if (type === null) continue;
      const key = attributeKeyOf(rule.attribute.ref) ?? rule.attribute.ref;
      const requirement = requirements.get(key);
      if (!requirement) {
        requirements.set(key, { key, type, audiences: [audience.name], conflicts: [] });
      } else if (requirement.type === type) {
        if (!requirement.audiences.includes(audience.name)) requirement.audiences.push(audience.name);
      } else if (!requirement.conflicts.some((conflict) => conflict.audience === audience.name)) {
        requirement.conflicts.push({ audience: audience.name, type });
      }
    }
  }
  return requirements;
}
