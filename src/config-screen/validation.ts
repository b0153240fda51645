import { installationDataSchema, type InstallationData } from "../shared/installation-config";
import { describeProblem, placeOf, plainMessage, type ProblemPlace } from "./problem-wording";

/** Validity for `setValidity` and the inline errors, both from the one shared schema, in the screen's words. */
export interface InstallationValidation {
  isValid: boolean;
  /** The first problem as one sentence naming its section and field; what Contentstack shows beside Save. */
  message: string | null;
  /** Where the first problem is, for "go to the field". */
  firstProblem: ProblemPlace | null;
  /** First issue message per path, keyed like `configuration.personalize.projectUid`. */
  errors: ReadonlyMap<string, string>;
}

export function validateInstallation(data: InstallationData): InstallationValidation {
  const result = installationDataSchema.safeParse(data);
  if (result.success) return { isValid: true, message: null, firstProblem: null, errors: new Map() };
  const errors = new Map<string, string>();
  for (const issue of result.error.issues) {
    const key = pathKey(issue.path);
    if (!errors.has(key)) errors.set(key, plainMessage(issue, data));
  }
  const [first] = result.error.issues;
  return { isValid: false, message: describeProblem(first, data), firstProblem: placeOf(first.path), errors };
}

function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** `configuration.attributeMappings.2.source` → the schema path, row indexes as numbers. */
export function pathOfKey(key: string): (string | number)[] {
  return key.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
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

/** How many problems each section of the screen has, for the section navigation. */
export function problemsBySection(validation: InstallationValidation): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of validation.errors.keys()) {
    const place = placeOf(pathOfKey(key));
    if (place) counts.set(place.section, (counts.get(place.section) ?? 0) + 1);
  }
  return counts;
}
