/** Fixtures, fault rules or strictness toggles that cannot be accepted; `path` points at the offending field. */
export class InputError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(path ? `${path}: ${detail}` : detail);
    this.name = "InputError";
  }
}
