import { useEffect, useState } from "react";
import { ActionButton } from "./ActionButton";
import { copyText } from "./clipboard";

interface CopyButtonProps {
  text: string;
  /** What is copied, for the accessible name: "Copy webhook URL". */
  what: string;
  /** The button's text; "Copy" by default. */
  label?: string;
  testId?: string;
}

type CopyResult = "copied" | "failed" | null;

export function CopyButton({ text, what, label = "Copy", testId }: CopyButtonProps) {
  const [result, setResult] = useState<CopyResult>(null);
  useEffect(() => {
    if (!result) return;
    const timer = setTimeout(() => setResult(null), 2500);
    return () => clearTimeout(timer);
  }, [result]);
  return (
    <span className="copy-button" data-copy-text={text}>
      <ActionButton
        buttonType="tertiary"
        label={`Copy ${what}`}
        disabled={!text}
        testId={testId}
        onClick={() => void copyText(text).then((ok) => setResult(ok ? "copied" : "failed"))}
      >
        {label}
      </ActionButton>
      <span className="copy-button__status" aria-live="polite">
        {result === "copied" && "Copied"}
        {result === "failed" && "Copy failed: select the text and copy it yourself"}
      </span>
    </span>
  );
}
