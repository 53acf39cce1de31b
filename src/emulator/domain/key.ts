import type { Vault } from "./vault.js";

// The key model: a key is a name with an ordered list of versions; soft delete moves the whole key
// (every version) into the deleted state, as the service does.

export const KEY_TYPES = ["EC", "EC-HSM", "RSA", "RSA-HSM", "oct", "oct-HSM"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const CURVES = ["P-256", "P-256K", "P-384", "P-521"] as const;
export type CurveName = (typeof CURVES)[number];

export const KEY_OPERATIONS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"] as const;
export type KeyOperation = (typeof KEY_OPERATIONS)[number];

export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;
export const OCT_KEY_SIZES = [128, 192, 256] as const;

/** Key names: letters, digits and dashes, at most 127 characters (the service's rule). */
export const KEY_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

/** The family of a key type, without the protection suffix. */
export type KeyFamily = "RSA" | "EC" | "oct";

export function keyFamily(kty: KeyType): KeyFamily {
  return kty.startsWith("RSA") ? "RSA" : kty.startsWith("EC") ? "EC" : "oct";
}

export function isHsmType(kty: KeyType): boolean {
  return kty.endsWith("-HSM");
}

export function isKeyType(value: unknown): value is KeyType {
  return typeof value === "string" && (KEY_TYPES as readonly string[]).includes(value);
}

export function isCurveName(value: unknown): value is CurveName {
  return typeof value === "string" && (CURVES as readonly string[]).includes(value);
}

export function isKeyOperation(value: unknown): value is KeyOperation {
  return typeof value === "string" && (KEY_OPERATIONS as readonly string[]).includes(value);
}

/** Operations a new key gets when the caller names none (what the service returns). */
export function defaultKeyOps(family: KeyFamily): KeyOperation[] {
  switch (family) {
    case "RSA":
      return ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"];
    case "EC":
      return ["sign", "verify"];
    case "oct":
      return ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
  }
}

export interface KeyAttributes {
  enabled: boolean;
  /** Unix seconds, or undefined when not set. */
  notBefore?: number;
  expires?: number;
  created: number;
  updated: number;
  exportable: boolean;
}

export interface ReleasePolicy {
  contentType: string;
  immutable: boolean;
  /** The policy document as bytes (base64url on the wire). */
  data: Buffer;
}

/**
 * Public part of a key in JWK members (base64url strings), exactly as the service returns it.
 * Private members never appear here.
 */
export interface PublicJwk {
  kty: KeyType;
  n?: string;
  e?: string;
  crv?: CurveName;
  x?: string;
  y?: string;
}

export interface KeyVersion {
  name: string;
  version: string;
  kty: KeyType;
  /** Bits for RSA/oct; undefined for EC (the curve decides). */
  keySize?: number;
  keyOps: KeyOperation[];
  attributes: KeyAttributes;
  tags?: Record<string, string>;
  managed: boolean;
  releasePolicy?: ReleasePolicy;
  publicJwk: PublicJwk;
}

export interface DeletionInfo {
  deletedDate: number;
  scheduledPurgeDate: number;
}

/** A key version together with the key's deletion state (the latest version represents the key). */
export interface DeletedKey {
  latest: KeyVersion;
  deletion: DeletionInfo;
}

/** A key version plus the container it lives in, which decides recoverableDays and recoveryLevel. */
export interface KeyView {
  vault: Vault;
  key: KeyVersion;
}

export interface DeletedKeyView extends KeyView {
  deletion: DeletionInfo;
}

/** Version ids the service issues: 32 lower-case hex characters. */
export const VERSION_PATTERN = /^[0-9a-fA-F]{32}$/;
