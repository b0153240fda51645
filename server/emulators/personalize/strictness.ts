/**
 * Per-project behaviour switches (personalize-api.md §9 "Strictness toggles"). Most cover facts the doc marks
 * Unconfirmed, so the defaults are the lenient reading and tests turn on the strict one they need.
 */
import { z } from "zod";

const successStatus = z.union([z.literal(200), z.literal(202), z.literal(204)]);

export const strictnessSchema = z
  .object({
    /** PATCH keys with no custom attribute definition → 400 (Unconfirmed: ignored or rejected). */
    rejectUndefinedAttributes: z.boolean(),
    /** `/events` EVENT items whose eventKey has no event definition → 400 (Unconfirmed). */
    rejectUnknownEventKeys: z.boolean(),
    /** PATCH values that are objects, arrays, null or non-finite numbers → 400 (Unconfirmed). */
    checkValueTypes: z.boolean(),
    /** Without a user header a PATCH is rejected (true) or gets a generated uid, returned in the response (false). */
    requireUserHeaderOnPatch: z.boolean(),
    /** Body routes without `Content-Type: application/json` → 415. Real clients send none, so off by default. */
    requireJsonContentType: z.boolean(),
    /** `x-cs-eclipse-user-uid`: honoured, ignored as if absent, or rejected with 400 (Unconfirmed, §10 (1)). */
    eclipseHeader: z.enum(["accept", "ignore", "reject"]),
    /** Both user headers with different values (Unconfirmed which wins). */
    differingUserHeaders: z.enum(["prefer-personalize", "prefer-eclipse", "reject"]),
    /** Success statuses (Unconfirmed): 200 carries the doc's sample text, 202 and 204 an empty body. */
    userAttributesSuccessStatus: successStatus,
    mergeSuccessStatus: successStatus,
    eventsSuccessStatus: successStatus,
    /** Edge routes other than /manifest naming a missing or unknown project. Read from the default strictness. */
    unknownProjectStatus: z.union([z.literal(400), z.literal(404)]),
    /** Management requests per second per organization (the real limit is 10); null = unlimited. */
    rateLimitPerSecond: z.number().int().positive().nullable(),
    /** Custom attributes / events per project creatable via the Management API (real default 100); null = no cap. */
    itemCap: z.number().int().nonnegative().nullable(),
    /** Creating an attribute or event whose key exists (Unconfirmed): status and which error field carries it. */
    duplicateKeyStatus: z.number().int().min(400).max(499),
    duplicateKeyBody: z.enum(["errors", "error", "message"]),
    /**
     * Audience rules compare only values of the condition's type: "500" fails NUMBER_GREATER_THAN, "true" fails
     * IS_TRUE (Unconfirmed; attributes carry no type, §7.3). Off: numeric and boolean strings are read as such.
     */
    typedRules: z.boolean(),
  })
  .strict();

export type Strictness = z.infer<typeof strictnessSchema>;
export const strictnessOverridesSchema = strictnessSchema.partial();
export type StrictnessOverrides = z.infer<typeof strictnessOverridesSchema>;

export const LENIENT_STRICTNESS: Readonly<Strictness> = Object.freeze({
  rejectUndefinedAttributes: false,
  rejectUnknownEventKeys: false,
  checkValueTypes: false,
  requireUserHeaderOnPatch: false,
  requireJsonContentType: false,
  eclipseHeader: "accept",
  differingUserHeaders: "prefer-personalize",
  userAttributesSuccessStatus: 200,
  mergeSuccessStatus: 200,
  eventsSuccessStatus: 200,
  unknownProjectStatus: 404,
  rateLimitPerSecond: null,
  itemCap: null,
  duplicateKeyStatus: 409,
  duplicateKeyBody: "error",
  typedRules: false,
});
