import type { Planner } from "../delivery/plan-step.ts";
import type { QueuedInbound } from "../store/types.ts";

/** A planner for store tests: `map` passes the events through and `assemble` plans the whole batch at once. */
export const inOneGo = (assemble: Planner<QueuedInbound>["assemble"]): Planner<QueuedInbound> => ({ map: (events) => events, assemble });
