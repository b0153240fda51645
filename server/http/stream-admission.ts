/**
 * Caps on live (SSE) streams: per installation and across the process. A stream over either cap is refused with
 * 429 before anything is sent, so one tenant's open tabs (or a leaked stream token) cannot hold every connection.
 */
import { HttpError } from "./errors.ts";

export function createStreamAdmission(limits: { perInstallation: number; total: number }) {
  const open = new Map<string, number>();
  let total = 0;
  return {
    /** Takes a slot for one stream of `installationUid`; call the returned function once when it closes. */
    admit(installationUid: string): () => void {
      const mine = open.get(installationUid) ?? 0;
      if (mine >= limits.perInstallation) {
        throw new HttpError(429, "too_many_streams", `this installation already has ${mine} live streams open (limit ${limits.perInstallation}); close one`, {
          "retry-after": "5",
        });
      }
      if (total >= limits.total) {
        throw new HttpError(503, "too_many_streams", `the server has ${total} live streams open (its limit); retry shortly`, {
          "retry-after": "5",
        });
      }
      open.set(installationUid, mine + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (open.get(installationUid) ?? 1) - 1;
        if (left > 0) open.set(installationUid, left);
        else open.delete(installationUid);
      };
    },
    openStreams: () => total,
  };
}
export type StreamAdmission = ReturnType<typeof createStreamAdmission>;
