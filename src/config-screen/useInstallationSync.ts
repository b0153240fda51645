import { useEffect, useRef, useState } from "react";
import type { InstallationData } from "../shared/installation-config";
import { errorMessage } from "../sdk/http";
import type { UiLocation } from "../sdk/types";
import type { InstallationValidation } from "./validation";

type AppConfigWidget = NonNullable<UiLocation["location"]["AppConfigWidget"]>;

/**
 * Hands every state to Contentstack: the whole object (both halves, every key; the host stores what it gets) and
 * the validity that enables or blocks its Save button. Returns the last hand-over failure, if any.
 */
export function useInstallationSync(
  widget: AppConfigWidget,
  data: InstallationData,
  validation: InstallationValidation,
): string | null {
  const [failure, setFailure] = useState<string | null>(null);
  const latest = useRef(0);

  useEffect(() => {
    const attempt = ++latest.current;
    const report = (error: unknown) => {
      if (attempt === latest.current) setFailure(errorMessage(error));
    };
    const { installation } = widget;
    Promise.all([
      installation.setInstallationData(data),
      // Typed `void`, but it returns the post-robot promise and throws on bad arguments.
      Promise.resolve().then(() =>
        installation.setValidity(validation.isValid, validation.isValid ? undefined : { message: validation.message ?? "" }),
      ),
    ]).then(() => {
      if (attempt === latest.current) setFailure(null);
    }, report);
  }, [widget, data, validation]);

  return failure;
}
