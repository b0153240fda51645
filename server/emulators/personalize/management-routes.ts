/**
 * The Management API (personalize-api.md §7, §9), served under `/management`: token auth, per-organization rate
 * limit, list routes returning bare arrays, and attribute / event creation that feeds the Edge strict checks.
 */
import { ApiError, assertJsonContentType, personalizeError, type Exchange, type Route } from "./exchange.ts";
import type { Project } from "./project.ts";
import type { EmulatorState } from "./state.ts";
import type { Strictness } from "./strictness.ts";

export const MANAGEMENT_PREFIX = "/management";

/** Preset attributes every project lists (§7.3 preset refs). Unconfirmed: their exact fields. */
const PRESET_ATTRIBUTES = [
  ["COUNTRY", "Country"],
  ["REGION", "Region"],
  ["CITY", "City"],
  ["DEVICE_TYPE", "Device Type"],
  ["OPERATING_SYSTEM", "Operating System"],
  ["QUERY_PARAMETERS", "Query Parameters"],
  ["REFERRER", "Referrer"],
  ["DATE_AND_TIME", "Date and Time"],
].map(([ref, name]) => ({ uid: ref!, key: ref!, name: name!, description: `${name} of the visitor's request`, __type: "PRESET" as const }));

const UNAUTHORIZED_MESSAGE = "You're not allowed in here unless you're logged in.";

/** The token from exactly one of `authtoken` or `authorization: Bearer …`. */
function credential(exchange: Exchange, module: string): string {
  const authtoken = exchange.header("authtoken");
  const authorization = exchange.header("authorization");
  if (authtoken !== undefined && authorization !== undefined) {
    throw personalizeError(401, module, "UNAUTHORIZED", "Send exactly one of authtoken or authorization");
  }
  if (authtoken !== undefined) return authtoken;
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer === undefined) throw personalizeError(401, module, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE);
  return bearer;
}

function enforceRateLimit(exchange: Exchange, state: EmulatorState, organizationUid: string, strictness: Strictness, module: string): void {
  if (strictness.rateLimitPerSecond === null) return;
  const waitMs = state.rateWindows.take(organizationUid, strictness.rateLimitPerSecond, exchange.record.receivedAt);
  if (waitMs > 0) {
    // Unconfirmed: whether the real 429 carries Retry-After; a rate-limit fault rule covers the other forms.
    throw personalizeError(
      429,
      module,
      "TOO_MANY_REQUESTS",
      `Rate limit of ${strictness.rateLimitPerSecond} requests per second per organization exceeded`,
      { "retry-after": String(Math.ceil(waitMs / 1000)) },
    );
  }
}

/** Authenticates a project-scoped request: a token configured for the project in `x-project-uid`, else 401. */
function authorizedProject(exchange: Exchange, state: EmulatorState, module: string): Project {
  const token = credential(exchange, module);
  const projectUid = exchange.record.projectUid;
  const project = projectUid === null ? undefined : state.projects.get(projectUid);
  if (!project || !project.managementTokens.has(token)) throw personalizeError(401, module, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE);
  enforceRateLimit(exchange, state, project.organizationUid, project.strictness, module);
  return project;
}

function createBody(exchange: Exchange, project: Project, module: string, required: readonly string[]): Record<string, string | undefined> {
  assertJsonContentType(exchange, project.strictness, module);
  const body = exchange.jsonBody();
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw personalizeError(400, module, "VALIDATION_ERROR", "Request body must be a JSON object");
  }
  const fields = body as Record<string, unknown>;
  const errors: Record<string, string> = {};
  for (const field of ["name", "key", "description"]) {
    const value = fields[field];
    if (required.includes(field) && (typeof value !== "string" || value.trim() === "")) errors[field] = `${field} is required`;
    else if (value !== undefined && typeof value !== "string") errors[field] = `${field} must be a string`;
  }
  if (Object.keys(errors).length > 0) {
    throw new ApiError(400, { error: `personalize.${module}.VALIDATION_ERROR`, message: Object.values(errors).join("; "), errors });
  }
  return fields as Record<string, string | undefined>;
}

function assertCreatable(project: Project, module: string, key: string, existingKeys: ReadonlySet<string>, count: number): void {
  const strictness = project.strictness;
  if (existingKeys.has(key)) {
    const message = `${module === "ATTRIBUTES" ? "Attribute" : "Event"} with key "${key}" already exists`;
    const body =
      strictness.duplicateKeyBody === "errors"
        ? { errors: { key: message } }
        : strictness.duplicateKeyBody === "error"
          ? { error: `personalize.${module}.DUPLICATE_KEY`, message }
          : { message };
    throw new ApiError(strictness.duplicateKeyStatus, body);
  }
  if (strictness.itemCap !== null && count >= strictness.itemCap) {
    // Unconfirmed: the status and code of the cap error.
    throw personalizeError(400, module, "LIMIT_EXCEEDED", `A project can have at most ${strictness.itemCap} ${module.toLowerCase()}`);
  }
}

const listRoute = (module: string, list: (project: Project) => unknown[]): Route => ({
  module,
  handle(exchange, state) {
    exchange.sendJson(200, list(authorizedProject(exchange, state, module)));
  },
});

const createAttribute: Route = {
  module: "ATTRIBUTES",
  handle(exchange, state) {
    const project = authorizedProject(exchange, state, this.module);
    const body = createBody(exchange, project, this.module, ["name", "key"]);
    const key = body.key!;
    assertCreatable(project, this.module, key, project.attributeKeys, project.attributes.length);
    const attribute = project.addAttribute({ name: body.name!, key, description: body.description ?? "" });
    // Unconfirmed: 200 or 201 on create; any 2xx is success for our client.
    exchange.sendJson(201, attribute);
  },
};

const createEvent: Route = {
  module: "EVENTS",
  handle(exchange, state) {
    const project = authorizedProject(exchange, state, this.module);
    const body = createBody(exchange, project, this.module, ["key"]);
    const key = body.key!;
    assertCreatable(project, this.module, key, project.eventKeys, project.events.length);
    const event = project.addEvent({ key, ...(body.name === undefined ? {} : { name: body.name }), description: body.description ?? "" });
    exchange.sendJson(201, event);
  },
};

/** `GET /projects`: the organization's projects that accept the token, optionally by `connectedStackApiKey`. */
const listProjects: Route = {
  module: "PROJECTS",
  handle(exchange, state) {
    const token = credential(exchange, this.module);
    const organizationUid = exchange.header("organization_uid");
    const projects = [...state.projects.values()].filter(
      (project) => project.organizationUid === organizationUid && project.managementTokens.has(token),
    );
    if (projects.length === 0) throw personalizeError(401, this.module, "UNAUTHORIZED", UNAUTHORIZED_MESSAGE);
    enforceRateLimit(exchange, state, organizationUid!, projects[0]!.strictness, this.module);
    const stackApiKey = new URLSearchParams(exchange.record.query).get("connectedStackApiKey");
    exchange.sendJson(
      200,
      projects
        .filter((project) => stackApiKey === null || project.connectedStackApiKey === stackApiKey)
        .map((project) => ({
          _id: project.uid,
          uid: project.uid,
          name: project.name,
          description: project.description,
          organizationUid: project.organizationUid,
          connectedStackApiKey: project.connectedStackApiKey,
          audienceCount: project.audiences.length,
          activeExperienceCount: project.experiences.filter((experience) => experience.status === "ACTIVE").length,
          createdAt: project.createdAt,
          updatedAt: project.createdAt,
        })),
    );
  },
};

export const managementRoutes: ReadonlyMap<string, Route> = new Map([
  [`GET ${MANAGEMENT_PREFIX}/projects`, listProjects],
  [`GET ${MANAGEMENT_PREFIX}/attributes`, listRoute("ATTRIBUTES", (project) => [...PRESET_ATTRIBUTES, ...project.attributes])],
  [`POST ${MANAGEMENT_PREFIX}/attributes`, createAttribute],
  [`GET ${MANAGEMENT_PREFIX}/events`, listRoute("EVENTS", (project) => project.events)],
  [`POST ${MANAGEMENT_PREFIX}/events`, createEvent],
  [`GET ${MANAGEMENT_PREFIX}/audiences`, listRoute("AUDIENCES", (project) => project.audiences)],
  [`GET ${MANAGEMENT_PREFIX}/experiences`, listRoute("EXPERIENCES", (project) => project.experiences)],
]);
