import { Button } from "@contentstack/venus-components";
import type { ReactNode } from "react";

interface ActionButtonProps {
  children: ReactNode;
  onClick: () => void;
  /** Accessible name; required when `children` is not plain text. */
  label?: string;
  buttonType?: "primary" | "secondary" | "tertiary" | "outline" | "destructive";
  size?: "small" | "regular";
  isLoading?: boolean;
  disabled?: boolean;
  pressed?: boolean;
  testId?: string;
}

/** venus `Button` (typed `any`) with a real accessible name: venus sets `aria-label="aria-button"` otherwise. */
export function ActionButton({
  children,
  onClick,
  label,
  buttonType = "secondary",
  size = "small",
  isLoading = false,
  disabled = false,
  pressed,
  testId,
}: ActionButtonProps) {
  const name = label ?? (typeof children === "string" ? children : undefined);
  return (
    <Button
      version="v2"
      buttonType={buttonType}
      size={size}
      isLoading={isLoading}
      disabled={disabled || isLoading}
      onClick={onClick}
      testId={testId}
      aria-label={name}
      aria-pressed={pressed}
      aria-busy={isLoading || undefined}
    >
      {children}
    </Button>
  );
}
