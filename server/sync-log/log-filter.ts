/**
 * The log filter as query parameters, shared by the list, stream, export and bulk-retry routes. Multi-valued
 * parameters may repeat (`status=a&status=b`) or be comma-separated; times are ISO-8601 or epoch milliseconds.
 * Every problem becomes a 400 that names the parameter.
 */
import { z } from "zod";
import { HttpError } from "../http/errors.ts";
import { INBOUND_STATUSES, OUTBOUND_STATUSES, type Direction, type LogQuery } from "../store/types.ts";

export const DIRECTIONS = ["inbound", "personalize", "segment"] as const satisfies readonly Direction[];
export const LOG_STATUSES = [...new Set([...INBOUND_STATUSES, ...OUTBOUND_STATUSES])];

/** The part of a LogQuery a client chooses; installation, cursor and page size are set by the routes. */
export type LogFilter = Omit<LogQuery, "installationUid" | "beforeId" | "ids" | "limit">;

const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z.preprocess(
    (raw) => {
      if (raw === undefined) return undefined;
      const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((value) => String(value).split(","));
      const trimmed = parts.map((part) => part.trim()).filter(Boolean);
      return trimmed.length ? trimmed : undefined;
    },
    z.array(z.enum(values, { error: (issue) => `"${String(issue.input)}" is not one of ${values.join(", ")}` })).optional(),
  );

const text = (max: number) =>
  z.preprocess((raw) => (raw === "" ? undefined : raw), z.string().trim().min(1).max(max, `must be at most ${max} characters`).optional());

const integer = (min: number, max: number) =>
  z.preprocess(
    (raw) => (raw === "" || raw === undefined ? undefined : Number(raw)),
    z
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .optional(),
  );

export const timeParam = z.preprocess(
  (raw) => {
    if (raw === "" || raw === undefined) return undefined;
    const value = String(raw).trim();
    return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  },
  z.number({ error: "must be an ISO-8601 date or epoch milliseconds" }).optional(),
);

export const logFilterSchema = z
  .object({
    direction: list(DIRECTIONS),
    status: list(LOG_STATUSES as [string, ...string[]]),
    eventType: text(40),
    eventName: text(512),
    userId: text(256),
    messageId: text(100),
    httpStatus: integer(100, 599),
    httpStatusClass: integer(1, 5),
    error: text(200),
    hideChecks: z.preprocess((raw) => (raw === "" ? undefined : raw), z.enum(["1", "0"], { error: 'must be "1" or "0"' }).optional()),
    from: timeParam,
    to: timeParam,
  })
  .refine((filter) => filter.from === undefined || filter.to === undefined || filter.from < filter.to, {
    path: ["to"],
    message: "must be later than from",
  });

export const pageSchema = z.object({
  cursor: integer(1, Number.MAX_SAFE_INTEGER),
  limit: integer(1, 200),
});

/** Parses with `schema` or throws a 400 naming the first wrong parameter. */
export function parseParams<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length ? String(issue.path[0]) : "query";
  throw new HttpError(400, "invalid_request", `${field}: ${issue.message}`);
}

export function parseLogFilter(input: unknown): LogFilter {
  const filter = parseParams(logFilterSchema, input);
  return {
    directions: filter.direction as Direction[] | undefined,
    statuses: filter.status as LogFilter["statuses"],
    eventType: filter.eventType,
    eventName: filter.eventName,
    userId: filter.userId,
    messageId: filter.messageId,
    httpStatus: filter.httpStatus,
    httpStatusClass: filter.httpStatusClass,
    errorText: filter.error,
    hideTwoWayChecks: filter.hideChecks === "1" ? true : undefined,
    from: filter.from,
    to: filter.to,
  };
}

/** True when the filter selects every row (the stream then needs no second query). */
export function isUnfiltered(filter: LogFilter): boolean {
  return Object.values(filter).every((value) => value === undefined);
}
