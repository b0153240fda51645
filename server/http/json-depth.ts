/**
 * Refuses request bodies nested deeper than any real event or configuration. A deep body parses fine (JSON.parse
 * does not recurse) but later recursion over it, JSON.stringify first, overflows the stack: that was a 500 on
 * ingest and a 503 "store unavailable" when the store serialized it.
 */
import type { FastifyInstance } from "fastify";
import { HttpError } from "./errors.ts";

export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects or arrays more than `max` levels; walks without recursion. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === "object" && child !== null) pending.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

export function limitJsonDepth(app: FastifyInstance): void {
  app.addHook("preValidation", async (request) => {
    if (nestedDeeperThan(request.body, MAX_JSON_DEPTH)) {
      throw new HttpError(400, "too_deep", `the JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
  });
}
