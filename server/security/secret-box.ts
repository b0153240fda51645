/**
 * Encrypts installation secrets at rest with AES-256-GCM. Keys come from SECRETS_KEYS as `id:base64,id:base64`;
 * the first key encrypts, every key decrypts, so rotation is: prepend a new key, restart, re-save (or wait for the
 * next config update), then drop the old key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

interface Key {
  id: string;
  bytes: Buffer;
}

export function parseSecretKeys(spec: string): Key[] {
  const keys = spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const separator = part.indexOf(":");
      const id = separator > 0 ? part.slice(0, separator) : "";
      const bytes = Buffer.from(part.slice(separator + 1), "base64");
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id) || bytes.length !== 32) {
        throw new Error("SECRETS_KEYS entries must be keyId:base64 of exactly 32 bytes (keyId: 1-32 of A-Z a-z 0-9 _ -)");
      }
      return { id, bytes };
    });
  if (keys.length === 0) throw new Error("SECRETS_KEYS must hold at least one key");
  return keys;
}

export function createSecretBox(keys: Key[]): SecretBox {
  const byId = new Map(keys.map((k) => [k.id, k.bytes]));
  const current = keys[0];
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current.bytes, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return ["v1", current.id, iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(".");
    },
    open(sealed) {
      const [version, id, iv, tag, body] = sealed.split(".");
      const key = byId.get(id);
      if (version !== "v1" || !key) throw new Error(`no decryption key "${id}" in SECRETS_KEYS`);
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
    },
  };
}

export function generateSecretKeySpec(id = "k1"): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}
