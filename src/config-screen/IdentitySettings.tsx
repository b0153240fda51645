import type { Configuration } from "../shared/installation-config";
import { CheckboxField } from "../ui/CheckboxField";
import type { FormProps } from "./form";
import { sectionAnchorId } from "./sections";

type IdentityKey = keyof Configuration["identity"];

const OPTIONS: { key: IdentityKey; label: string; help: string; testId: string }[] = [
  {
    key: "anonymousFallback",
    label: "Use anonymousId when there is no userId",
    help: "Otherwise events without a userId are skipped.",
    testId: "identity-anonymous-fallback",
  },
  {
    key: "mergeOnAlias",
    label: "Merge profiles on alias",
    help: "An alias call merges the previous id's Personalize profile into the new one.",
    testId: "identity-merge-on-alias",
  },
  {
    key: "mergeOnIdentify",
    label: "Merge on identify",
    help: "An identify call with both anonymousId and userId merges the anonymous profile into the user.",
    testId: "identity-merge-on-identify",
  },
];

export function IdentitySettings({ data, dispatch }: FormProps) {
  const { identity } = data.configuration;
  return (
    <section id={sectionAnchorId("identity")} tabIndex={-1} className="subsection" aria-labelledby="identity-title">
      <h3 id="identity-title">Identity</h3>
      <ul className="plain-list option-list">
        {OPTIONS.map((option) => (
          <li key={option.key}>
            <CheckboxField
              id={`identity-${option.key}`}
              label={option.label}
              checked={identity[option.key]}
              onChange={(checked) => dispatch({ type: "updateSection", section: "identity", patch: { [option.key]: checked } })}
              testId={option.testId}
            />
            <p className="option-list__help">{option.help}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
