/**
 * A Public API failure as the UI shows it. A 403 names the role the feature needs (SEGMENT_ROLES), since
 * Segment's message need not. Never thrown as our own 401: the UI reads that as its session ending.
 */
import { SEGMENT_ROLES, type SegmentProblem, type SegmentRoleNeed } from "../../src/shared/segment-connect.ts";
import { SegmentApiError } from "./client.ts";

export function segmentProblem(error: unknown, need: SegmentRoleNeed): SegmentProblem {
  if (!(error instanceof SegmentApiError)) throw error;
  const { status, message } = error;
  if (status === 401) return { status, message: `Segment rejected the Public API token (${message})`, missingRole: null };
  if (status === 403) {
    const role = SEGMENT_ROLES[need];
    return { status, message: `Segment refused the call for lack of a role (${message}).`, missingRole: role };
  }
  return { status, message, missingRole: null };
}
