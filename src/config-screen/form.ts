import type { Dispatch } from "react";
import type { InstallationData } from "../shared/installation-config";
import type { InstallationAction } from "./installation-state";
import type { InstallationValidation } from "./validation";

/** What every part of the config screen gets: the whole state, the way to change it, and its validation. */
export interface FormProps {
  data: InstallationData;
  dispatch: Dispatch<InstallationAction>;
  validation: InstallationValidation;
}
