export type { AttributeValue, EngagePersonasContext, Operation, SegmentContext, SegmentEvent } from "./types";
export { mapEvent, type MappingResult } from "./map-event";
export type { EngageComputation } from "./engage";
export { coerceValue, type Coercion } from "./coerce";
export {
  coalesceUserOperations,
  type CoalescedPlan,
  type PendingItem,
  type PlannedRequest,
} from "./coalesce";
