/**
 * What ingest routes share to refuse cheaply: the installation is looked up and authenticated (or its refusal
 * decided) in `onRequest`, before a byte of the body is read or inflated; its fair-share quota is taken there too
 * and released when the response ends. A refusal writes no row: it is counted on the installation's refusal counter
 * (shown in the log summary). Unknown installations and wrong credentials get the same status and message.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "../http/errors.ts";
import type { Installation } from "../store/types.ts";
import type { Ingestor } from "./ingestor.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The installation this ingest request is authenticated for (or, while a signature is checked, claims). */
    ingestInstallation?: Installation;
    /** Releases the installation's in-flight slot. */
    endIngest?: () => void;
  }
}

export function refuse(ingestor: Ingestor, installation: Installation | null, error: HttpError): HttpError {
  if (installation) ingestor.refusals.count(installation.uid);
  return error;
}

/** Takes the installation's in-flight slot and request budget; releases the slot when the exchange ends. */
export function beginIngest(ingestor: Ingestor, request: FastifyRequest, installation: Installation): void {
  request.ingestInstallation = installation;
  request.endIngest = ingestor.quota.begin(installation.uid);
}

export function registerIngestRelease(app: { addHook(name: "onResponse" | "onRequestAbort", hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>): unknown }) {
  const release = async (request: FastifyRequest) => request.endIngest?.();
  app.addHook("onResponse", release);
  app.addHook("onRequestAbort", release);
}

/** The installation an ingest handler runs for: authenticated before the body was parsed. */
export function authenticatedInstallation(request: FastifyRequest): Installation {
  if (!request.ingestInstallation) throw new HttpError(401, "unauthorized", "the request is not authenticated");
  return request.ingestInstallation;
}
