/**
 * The Edge API (personalize-api.md §3.2, §9): /manifest, PATCH /user-attributes, the merge action and /events.
 */
import { randomUUID } from "node:crypto";
import { assertJsonContentType, JSON_CONTENT_TYPE, personalizeError, TEXT_CONTENT_TYPE, type Exchange, type Route } from "./exchange.ts";
import { evaluateManifest } from "./manifest.ts";
import { requestPresets } from "./request-presets.ts";
import { USER_EVENT_LIMIT, type Project, type StoredEvent } from "./project.ts";
import type { EmulatorState } from "./state.ts";
import type { Strictness } from "./strictness.ts";

export const USER_UID_HEADER = "x-cs-personalize-user-uid";
export const ECLIPSE_USER_UID_HEADER = "x-cs-eclipse-user-uid";
const MAX_MANIFEST_TAGS = 10;

/** The project in `x-project-uid`; /manifest answers a missing one with 404, other routes as configured. */
function edgeProject(exchange: Exchange, state: EmulatorState, module: string): Project {
  const projectUid = exchange.record.projectUid;
  const project = projectUid === null ? undefined : state.projects.get(projectUid);
  if (!project) {
    const status = module === "MANIFEST" ? 404 : state.defaults.unknownProjectStatus;
    throw personalizeError(status, module, "PROJECT_NOT_FOUND", `Project not found: ${projectUid ?? ""}`);
  }
  return project;
}

/** The user named by the request's headers, per the project's header toggles; undefined when none is sent. */
function headerUser(exchange: Exchange, strictness: Strictness, module: string): string | undefined {
  const personalize = exchange.header(USER_UID_HEADER);
  const eclipseSent = exchange.header(ECLIPSE_USER_UID_HEADER);
  if (eclipseSent !== undefined && strictness.eclipseHeader === "reject") {
    throw personalizeError(400, module, "UNSUPPORTED_HEADER", `${ECLIPSE_USER_UID_HEADER} is not supported; send ${USER_UID_HEADER}`);
  }
  const eclipse = strictness.eclipseHeader === "accept" ? eclipseSent : undefined;
  if (personalize !== undefined && eclipse !== undefined && personalize !== eclipse) {
    if (strictness.differingUserHeaders === "reject") {
      throw personalizeError(400, module, "CONFLICTING_USER_UID", `${USER_UID_HEADER} and ${ECLIPSE_USER_UID_HEADER} differ`);
    }
    return strictness.differingUserHeaders === "prefer-eclipse" ? eclipse : personalize;
  }
  return personalize ?? eclipse;
}

function jsonBody(exchange: Exchange, module: string): unknown {
  const body = exchange.jsonBody();
  if (body === undefined) throw personalizeError(400, module, "INVALID_BODY", "Request body is not valid JSON");
  return body;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** 200 carries `text`; 202 and 204 an empty body. A uid the emulator generated goes back in the user-uid header. */
function sendSuccess(exchange: Exchange, status: 200 | 202 | 204, text: string, generatedUserUid?: string): void {
  const headers: Record<string, string> = status === 200 ? { "content-type": TEXT_CONTENT_TYPE } : {};
  if (generatedUserUid !== undefined) headers[USER_UID_HEADER] = generatedUserUid;
  exchange.send(status, status === 200 ? text : "", headers);
}

const manifest: Route = {
  module: "MANIFEST",
  handle(exchange, state) {
    const project = edgeProject(exchange, state, this.module);
    const tags = exchange.record.query ? new URLSearchParams(exchange.record.query).getAll("tags[]") : [];
    if (tags.length > MAX_MANIFEST_TAGS) {
      throw personalizeError(400, this.module, "TOO_MANY_TAGS", `At most ${MAX_MANIFEST_TAGS} tags are allowed`);
    }
    const userUid = headerUser(exchange, project.strictness, this.module) ?? randomUUID();
    exchange.record.userUid = userUid;
    const attributes = project.users.get(userUid)?.attributes ?? {};
    const presets = requestPresets({
      header: (name) => exchange.header(name),
      remoteAddress: exchange.req.socket.remoteAddress,
      receivedAt: exchange.record.receivedAt,
      geoByAddress: project.visitorGeo,
    });
    const experiences = evaluateManifest(
      project.manifestExperiences,
      userUid,
      attributes,
      tags.map((tag) => tag.toLowerCase()),
      { presets, typedRules: project.strictness.typedRules },
    );
    exchange.send(200, JSON.stringify({ experiences }), { "content-type": JSON_CONTENT_TYPE, [USER_UID_HEADER]: userUid });
  },
};

function isValidAttributeValue(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  return typeof value === "string" || typeof value === "boolean";
}

const patchUserAttributes: Route = {
  module: "USER_ATTRIBUTES",
  handle(exchange, state) {
    const project = edgeProject(exchange, state, this.module);
    const strictness = project.strictness;
    assertJsonContentType(exchange, strictness, this.module);
    const body = jsonBody(exchange, this.module);
    if (!isPlainObject(body)) {
      throw personalizeError(400, this.module, "INVALID_BODY", "Request body must be a JSON object of attribute keys to values");
    }
    let userUid = headerUser(exchange, strictness, this.module);
    let generatedUserUid: string | undefined;
    if (userUid === undefined) {
      if (strictness.requireUserHeaderOnPatch) {
        throw personalizeError(400, this.module, "USER_UID_REQUIRED", `${USER_UID_HEADER} header is required`);
      }
      userUid = generatedUserUid = randomUUID();
    }
    exchange.record.userUid = userUid;
    const keys = Object.keys(body);
    if (strictness.rejectUndefinedAttributes) {
      const undefinedKeys = keys.filter((key) => !project.attributeKeys.has(key));
      if (undefinedKeys.length > 0) {
        throw personalizeError(400, this.module, "ATTRIBUTE_NOT_FOUND", `No attribute defined for key(s): ${undefinedKeys.join(", ")}`);
      }
    }
    if (strictness.checkValueTypes) {
      const invalidKeys = keys.filter((key) => !isValidAttributeValue(body[key]));
      if (invalidKeys.length > 0) {
        throw personalizeError(
          400,
          this.module,
          "INVALID_ATTRIBUTE_VALUE",
          `Values must be strings, finite numbers or booleans: ${invalidKeys.join(", ")}`,
        );
      }
    }
    Object.assign(project.user(userUid).attributes, body);
    sendSuccess(exchange, strictness.userAttributesSuccessStatus, "User Attributes added successfully", generatedUserUid);
  },
};

const mergeUserAttributes: Route = {
  module: "USER_ATTRIBUTES",
  handle(exchange, state) {
    const project = edgeProject(exchange, state, this.module);
    assertJsonContentType(exchange, project.strictness, this.module);
    const body = jsonBody(exchange, this.module);
    const source = isPlainObject(body) ? body.sourceUserUid : undefined;
    const target = isPlainObject(body) ? body.targetUserUid : undefined;
    if (typeof source !== "string" || source === "" || typeof target !== "string" || target === "") {
      throw personalizeError(400, this.module, "INVALID_BODY", "sourceUserUid and targetUserUid must be non-empty strings");
    }
    exchange.record.userUid = target;
    const sourceUser = project.users.get(source);
    // Only attributes merge, the source's winning; the source user is left as it was (Unconfirmed either way).
    if (sourceUser && source !== target) Object.assign(project.user(target).attributes, sourceUser.attributes);
    sendSuccess(exchange, project.strictness.mergeSuccessStatus, "User Attributes merged successfully");
  },
};

function parseEvent(item: unknown, index: number, receivedAt: number): StoredEvent {
  const invalid = (detail: string) => personalizeError(400, "EVENTS", "INVALID_EVENT", `Item ${index}: ${detail}`);
  if (!isPlainObject(item)) throw invalid("must be an object");
  if (item.type === "EVENT") {
    if (typeof item.eventKey !== "string" || item.eventKey === "") throw invalid("eventKey must be a non-empty string");
    return { type: "EVENT", eventKey: item.eventKey, receivedAt };
  }
  if (item.type === "IMPRESSION") {
    const { experienceShortUid, variantShortUid } = item;
    if (typeof experienceShortUid !== "string" || experienceShortUid === "" || typeof variantShortUid !== "string" || variantShortUid === "") {
      throw invalid("experienceShortUid and variantShortUid must be non-empty strings");
    }
    return { type: "IMPRESSION", experienceShortUid, variantShortUid, receivedAt };
  }
  throw invalid('type must be "EVENT" or "IMPRESSION"');
}

const postEvents: Route = {
  module: "EVENTS",
  handle(exchange, state) {
    const project = edgeProject(exchange, state, this.module);
    const strictness = project.strictness;
    assertJsonContentType(exchange, strictness, this.module);
    const userUid = headerUser(exchange, strictness, this.module);
    if (userUid === undefined) throw personalizeError(400, this.module, "USER_UID_REQUIRED", `${USER_UID_HEADER} header is required`);
    exchange.record.userUid = userUid;
    const body = jsonBody(exchange, this.module);
    if (!Array.isArray(body)) throw personalizeError(400, this.module, "INVALID_BODY", "Request body must be a JSON array of events");
    const receivedAt = exchange.record.receivedAt;
    const events = body.map((item, index) => parseEvent(item, index, receivedAt));
    if (strictness.rejectUnknownEventKeys) {
      const unknownKeys = events.flatMap((event) => (event.type === "EVENT" && !project.eventKeys.has(event.eventKey) ? [event.eventKey] : []));
      if (unknownKeys.length > 0) {
        throw personalizeError(400, this.module, "EVENT_NOT_FOUND", `No event defined for key(s): ${unknownKeys.join(", ")}`);
      }
    }
    const stored = project.user(userUid).events;
    for (const event of events) stored.push(event);
    if (stored.length > USER_EVENT_LIMIT) stored.splice(0, stored.length - USER_EVENT_LIMIT);
    // Unconfirmed: the real success status and body of /events.
    sendSuccess(exchange, strictness.eventsSuccessStatus, "Events added successfully");
  },
};

export const edgeRoutes: ReadonlyMap<string, Route> = new Map([
  ["GET /manifest", manifest],
  ["PATCH /user-attributes", patchUserAttributes],
  ["POST /user-attributes/actions/merge", mergeUserAttributes],
  ["POST /events", postEvents],
]);
