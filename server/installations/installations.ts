/**
 * Installations as the rest of the server sees them: validated configuration, decrypted secrets, found by uid or
 * by the Tracking API write key. A short cache keeps ingest off the database; every process re-reads within
 * CACHE_TTL_MS, so a saved configuration applies to new events without a restart.
 */
import {
  installationDataSchema,
  type InstallationData,
} from "../../src/shared/installation-config.ts";
import type { Installation, Store } from "../store/types.ts";
import { duplicateSecretError, ownedSecretHashes, secretHash } from "./secret-ownership.ts";

const CACHE_TTL_MS = 2000;

export const writeKeyHash = secretHash;

export interface InstallationIdentity {
  uid: string;
  stackApiKey: string;
  organizationUid: string;
  appUid: string;
}

export function createInstallations(store: Store) {
  const byUid = new Map<string, { value: Installation | null; at: number }>();
  const byKey = new Map<string, { value: Installation | null; at: number }>();

  const cached = async (
    cache: Map<string, { value: Installation | null; at: number }>,
    key: string,
    load: () => Promise<Installation | null>,
  ) => {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.value;
    const value = await load();
    cache.set(key, { value, at: Date.now() });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return value;
  };

  const forget = () => {
    byUid.clear();
    byKey.clear();
  };

  return {
    get: (uid: string) => cached(byUid, uid, () => store.getInstallation(uid)),
    byWriteKey: (writeKey: string) => {
      const hash = writeKeyHash(writeKey);
      return cached(byKey, hash, () => store.findInstallationByWriteKeyHash(hash));
    },
    /** Creates the installation with default configuration if it does not exist yet. */
    async ensure(identity: InstallationIdentity): Promise<Installation> {
      const existing = await store.getInstallation(identity.uid);
      if (existing) return existing;
      return this.save(identity, installationDataSchema.parse({ configuration: {}, serverConfiguration: {} }));
    },
    /**
     * Saves configuration and secrets. Each inbound secret must be strong (400) and belong to no other installation
     * (409); the claim is atomic in the store, so two installations saving the same secret cannot both win.
     */
    async save(identity: InstallationIdentity, data: InstallationData): Promise<Installation> {
      const owned = ownedSecretHashes(data.serverConfiguration);
      const taken = await store.claimSecrets(identity.uid, [...owned.keys()]);
      if (taken) throw duplicateSecretError(owned.get(taken)!);
      const existing = await store.getInstallation(identity.uid);
      const now = Date.now();
      const installation: Installation = {
        ...identity,
        configuration: data.configuration,
        serverConfiguration: data.serverConfiguration,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      const key = data.serverConfiguration.trackingWriteKey;
      await store.saveInstallation(installation, key ? writeKeyHash(key) : null);
      forget();
      return installation;
    },
    async remove(uid: string): Promise<void> {
      await store.deleteInstallation(uid);
      forget();
    },
  };
}
export type Installations = ReturnType<typeof createInstallations>;
