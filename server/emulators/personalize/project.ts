/**
 * One emulated Personalize project: its definitions as the Management API shows them (personalize-api.md §7.3),
 * the compiled experiences /manifest evaluates, and the per-user store the Edge API writes.
 */
import { randomBytes } from "node:crypto";
import type { RuleCombination } from "./audience-rules.ts";
import type { VisitorGeo } from "./request-presets.ts";
import type { ManifestExperience } from "./manifest.ts";
import type { Strictness, StrictnessOverrides } from "./strictness.ts";

interface Authored {
  project: string;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
  createdByUserName: string;
  updatedByUserName: string;
}

export interface AttributeRecord extends Authored {
  _id: string;
  uid: string;
  name: string;
  key: string;
  description: string;
  __type: "CUSTOM";
}

export interface EventRecord extends Authored {
  _id: string;
  uid: string;
  key: string;
  name?: string;
  description: string;
}

export interface AudienceRecord extends Authored {
  _id: string;
  uid: string;
  name: string;
  description: string;
  definition: RuleCombination;
}

export interface AudienceSelection {
  audiences: string[];
  audienceCombinationType: "AND" | "OR";
}

export interface ExperienceVariantRecord {
  shortUid: string;
  name: string;
  audiences?: string[];
  audienceCombinationType?: "AND" | "OR";
  trafficDistribution?: number;
}

export interface ExperienceRecord extends Authored {
  _id: string;
  uid: string;
  shortUid: string;
  name: string;
  description: string;
  __type: "SEGMENTED" | "AB_TEST";
  status: string;
  tags: string[];
  targeting: { audience?: AudienceSelection };
  variants: ExperienceVariantRecord[];
}

export type EdgeEvent =
  | { type: "EVENT"; eventKey: string }
  | { type: "IMPRESSION"; experienceShortUid: string; variantShortUid: string };

export type StoredEvent = EdgeEvent & { receivedAt: number };

export interface UserRecord {
  attributes: Record<string, unknown>;
  events: StoredEvent[];
}

/** Per user, the oldest events are dropped beyond this, so long benchmarks stay within memory. */
export const USER_EVENT_LIMIT = 1000;

/** Who created fixture and API-created records; the emulator has no user accounts. */
export const EMULATOR_AUTHOR = { uid: "emulator0000000000000000", name: "Emulator User" } as const;

export const randomUid = (): string => randomBytes(12).toString("hex");

export function authored(projectUid: string, at: string): Authored {
  return {
    project: projectUid,
    createdBy: EMULATOR_AUTHOR.uid,
    updatedBy: EMULATOR_AUTHOR.uid,
    createdAt: at,
    updatedAt: at,
    createdByUserName: EMULATOR_AUTHOR.name,
    updatedByUserName: EMULATOR_AUTHOR.name,
  };
}

export interface ProjectDefinition {
  uid: string;
  name: string;
  description: string;
  organizationUid: string;
  connectedStackApiKey: string | null;
  managementTokens: ReadonlySet<string>;
  createdAt: string;
  attributes: AttributeRecord[];
  events: EventRecord[];
  audiences: AudienceRecord[];
  experiences: ExperienceRecord[];
  manifestExperiences: ManifestExperience[];
  strictnessOverrides: StrictnessOverrides;
  visitorGeo: ReadonlyMap<string, VisitorGeo>;
}

export class Project {
  readonly uid: string;
  readonly name: string;
  readonly description: string;
  readonly organizationUid: string;
  readonly connectedStackApiKey: string | null;
  readonly managementTokens: ReadonlySet<string>;
  readonly createdAt: string;
  readonly attributes: AttributeRecord[];
  readonly events: EventRecord[];
  readonly audiences: AudienceRecord[];
  readonly experiences: ExperienceRecord[];
  readonly manifestExperiences: readonly ManifestExperience[];
  readonly attributeKeys: Set<string>;
  readonly eventKeys: Set<string>;
  readonly users = new Map<string, UserRecord>();
  readonly visitorGeo: ReadonlyMap<string, VisitorGeo>;
  strictnessOverrides: StrictnessOverrides;
  /** Defaults merged with this project's overrides; recomputed whenever either changes. */
  strictness: Strictness;

  constructor(definition: ProjectDefinition, defaults: Strictness) {
    this.uid = definition.uid;
    this.name = definition.name;
    this.description = definition.description;
    this.organizationUid = definition.organizationUid;
    this.connectedStackApiKey = definition.connectedStackApiKey;
    this.managementTokens = definition.managementTokens;
    this.createdAt = definition.createdAt;
    this.attributes = definition.attributes;
    this.events = definition.events;
    this.audiences = definition.audiences;
    this.experiences = definition.experiences;
    this.manifestExperiences = definition.manifestExperiences;
    this.attributeKeys = new Set(definition.attributes.map((attribute) => attribute.key));
    this.eventKeys = new Set(definition.events.map((event) => event.key));
    this.strictnessOverrides = definition.strictnessOverrides;
    this.visitorGeo = definition.visitorGeo;
    this.strictness = { ...defaults, ...definition.strictnessOverrides };
  }

  applyDefaults(defaults: Strictness): void {
    this.strictness = { ...defaults, ...this.strictnessOverrides };
  }

  user(userUid: string): UserRecord {
    let user = this.users.get(userUid);
    if (!user) {
      // No prototype, so a PATCHed "__proto__" key is stored like any other key.
      user = { attributes: Object.create(null) as Record<string, unknown>, events: [] };
      this.users.set(userUid, user);
    }
    return user;
  }

  addAttribute(input: { name: string; key: string; description: string }): AttributeRecord {
    const uid = randomUid();
    const attribute: AttributeRecord = {
      _id: uid,
      uid,
      name: input.name,
      key: input.key,
      description: input.description,
      ...authored(this.uid, new Date().toISOString()),
      __type: "CUSTOM",
    };
    this.attributes.push(attribute);
    this.attributeKeys.add(attribute.key);
    return attribute;
  }

  addEvent(input: { key: string; name?: string; description: string }): EventRecord {
    const uid = randomUid();
    const event: EventRecord = {
      _id: uid,
      uid,
      key: input.key,
      ...(input.name === undefined ? {} : { name: input.name }),
      description: input.description,
      ...authored(this.uid, new Date().toISOString()),
    };
    this.events.push(event);
    this.eventKeys.add(event.key);
    return event;
  }
}
