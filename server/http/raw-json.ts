/**
 * A JSON body parser that keeps the raw bytes (signatures are computed over them) and inflates gzip bodies,
 * stopping at the body limit as the inflated bytes stream out.
 * Prototype-poisoning keys (`__proto__`, `constructor.prototype`) are refused by Fastify's secure parser.
 */
import { createGunzip } from "node:zlib";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

export function acceptRawJson(app: FastifyInstance, options: { gzip: boolean; bodyLimit: number }): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ["application/json"],
    { parseAs: "buffer", bodyLimit: options.bodyLimit },
    (request: FastifyRequest, body: Buffer, done) => {
      request.rawBody = body;
      parseJson(request, body.toString("utf8"), (error, value) => {
        if (error) {
          done(new HttpError(400, "invalid_json", `body is not valid JSON: ${error.message}`), undefined);
        } else done(null, value);
      });
    },
  );
  app.addHook("preParsing", async (request, _reply, payload) => {
    const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding === "identity") return payload;
    if (encoding !== "gzip" || !options.gzip) {
      throw new HttpError(415, "unsupported_encoding", `Content-Encoding "${encoding}" is not supported; send gzip or none`);
    }
    const inflated = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength?: number };
    let encoded = 0;
    let decoded = 0;
    payload.on("data", (chunk: Buffer) => {
      encoded += chunk.length;
      inflated.receivedEncodedLength = encoded;
    });
    // A streaming cap: Fastify answers 413 at the limit, and inflation stops there instead of producing a bomb's
    // worth of bytes nobody reads.
    inflated.on("data", (chunk: Buffer) => {
      decoded += chunk.length;
      if (decoded > options.bodyLimit) {
        payload.unpipe(inflated);
        inflated.destroy();
      }
    });
    payload.on("error", (error) => inflated.destroy(error));
    payload.pipe(inflated);
    return inflated;
  });
}
