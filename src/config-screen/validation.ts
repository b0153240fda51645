import { describeIssue, installationDataSchema, type InstallationData } from "../shared/installation-config";

/** Validity for `setValidity` and the inline errors, both from the one shared schema. */
export interface InstallationValidation {
  isValid: boolean;
  /** `describeIssue` of the first issue; what Contentstack shows next to its disabled Save button. */
  message: string | null;
  /** First issue message per path, keyed like `configuration.personalize.projectUid`. */
  errors: ReadonlyMap<string, string>;
}

export function validateInstallation(data: InstallationData): InstallationValidation {
  const result = installationDataSchema.safeParse(data);
  if (result.success) return { isValid: true, message: null, errors: new Map() };
  const errors = new Map<string, string>();
  for (const issue of result.error.issues) {
    const key = pathKey(issue.path);
    if (!errors.has(key)) errors.set(key, issue.message);
  }
  return { isValid: false, message: describeIssue(result.error.issues[0]), errors };
}

function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

export function fieldError(validation: InstallationValidation, ...path: (string | number)[]): string | undefined {
  return validation.errors.get(pathKey(path));
}

/** How many problems lie under a path prefix, for section headers. */
export function countErrors(validation: InstallationValidation, ...prefix: (string | number)[]): number {
  const start = pathKey(prefix);
  let count = 0;
  for (const key of validation.errors.keys()) if (key === start || key.startsWith(`${start}.`)) count++;
  return count;
}
