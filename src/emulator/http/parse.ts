import { shown, VaultErrors } from "../domain/errors.js";
import { isKeyType, type KeyType, type ReleasePolicy } from "../domain/key.js";
import { fromBase64Url } from "../../shared/base64url.js";
import { parseReleasePolicyDocument } from "../domain/release-policy.js";
import { DEFAULT_RELEASE_POLICY_CONTENT_TYPE, validateKeyOps } from "../domain/key-rules.js";
import type { AttributeChanges, CreateKeyRequest, ImportKeyRequest, UpdateKeyRequest } from "../service/key-service.js";

// REST wire bodies -> service requests. Every member is type-checked here, so the service sees only
// well-formed values and a caller's mistake is always a 400 with the member named.

type Json = Record<string, unknown>;

export function parseJsonBody(body: string | undefined): Json {
  if (body === undefined || body.trim() === "") throw VaultErrors.badParameter("The request body is missing; this operation needs a JSON object.");
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw VaultErrors.badParameter("The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw VaultErrors.badParameter("The request body must be a JSON object.");
  }
  return value as Json;
}

/** Bodies are optional for some operations (backup, delete); when present they must still be JSON. */
export function parseOptionalBody(body: string | undefined): Json {
  return body === undefined || body.trim() === "" ? {} : parseJsonBody(body);
}

function optionalObject(body: Json, member: string): Json | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw VaultErrors.badParameter(`The member '${member}' must be a JSON object.`);
  return value as Json;
}

function optionalInteger(obj: Json, member: string, path = member): number | undefined {
  const value = obj[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw VaultErrors.badParameter(`The member '${path}' must be a number.`);
  if (!Number.isInteger(value)) throw VaultErrors.badParameter(`The member '${path}' must be an integer.`);
  return value;
}

function optionalBoolean(obj: Json, member: string, path = member): boolean | undefined {
  const value = obj[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw VaultErrors.badParameter(`The member '${path}' must be true or false.`);
  return value;
}

function unixTime(obj: Json, member: string): number | undefined {
  const value = optionalInteger(obj, member, `attributes.${member}`);
  if (value !== undefined && (value < 0 || value > 253402300799)) {
    throw VaultErrors.badParameter(`The member 'attributes.${member}' is not a valid time (Unix seconds up to the year 9999).`);
  }
  return value;
}

function parseAttributes(body: Json): AttributeChanges | undefined {
  const a = optionalObject(body, "attributes");
  if (!a) return undefined;
  const out: AttributeChanges = {};
  const enabled = optionalBoolean(a, "enabled", "attributes.enabled");
  const notBefore = unixTime(a, "nbf");
  const expires = unixTime(a, "exp");
  const exportable = optionalBoolean(a, "exportable", "attributes.exportable");
  if (enabled !== undefined) out.enabled = enabled;
  if (notBefore !== undefined) out.notBefore = notBefore;
  if (expires !== undefined) out.expires = expires;
  if (exportable !== undefined) out.exportable = exportable;
  return out;
}

function parseTags(body: Json): Record<string, string> | undefined {
  const tags = optionalObject(body, "tags");
  if (!tags) return undefined;
  for (const [name, value] of Object.entries(tags)) {
    if (typeof value !== "string") throw VaultErrors.badParameter(`The value of tag '${name}' must be a string.`);
  }
  return tags as Record<string, string>;
}

function parseReleasePolicy(body: Json): ReleasePolicy | undefined {
  const p = optionalObject(body, "release_policy");
  if (!p) return undefined;
  const contentType = p.contentType ?? DEFAULT_RELEASE_POLICY_CONTENT_TYPE;
  if (typeof contentType !== "string") throw VaultErrors.badParameter("The member 'release_policy.contentType' must be a string.");
  const immutable = optionalBoolean(p, "immutable", "release_policy.immutable") ?? false;
  if (typeof p.data !== "string") throw VaultErrors.badParameter("The member 'release_policy.data' must be a base64url string.");
  const data = fromBase64Url(p.data);
  if (!data || data.length === 0) throw VaultErrors.badParameter("The member 'release_policy.data' must be a non-empty base64url string.");
  let policy: unknown;
  try {
    policy = JSON.parse(data.toString("utf8"));
  } catch {
    throw VaultErrors.badParameter("Key Release Policy: the policy (release_policy.data) is not valid JSON.");
  }
  // The SKR policy grammar (version, anyOf/allOf authority blocks, claim conditions): domain/release-policy.ts.
  parseReleasePolicyDocument(policy);
  return { contentType, immutable, data };
}

function parseKeyOps(body: Json) {
  const ops = body.key_ops;
  return ops === undefined || ops === null ? undefined : validateKeyOps(ops);
}

function keyType(value: unknown): KeyType {
  if (value === undefined || value === null) throw VaultErrors.badParameter("The member 'kty' is required.");
  // The service takes "AES" for a symmetric key (the SDKs' Managed HSM tests send it; recorded answers
  // come back kty "oct-HSM"); in a key vault it is refused like any symmetric key type.
  if (value === "AES") return "oct-HSM";
  if (!isKeyType(value)) {
    throw VaultErrors.badParameter(`The key type '${shown(value)}' is not supported. Supported key types: EC, EC-HSM, RSA, RSA-HSM, oct, oct-HSM.`);
  }
  return value;
}

export function parseCreateKey(body: Json): CreateKeyRequest {
  const request: CreateKeyRequest = { kty: keyType(body.kty) };
  const keySize = optionalInteger(body, "key_size");
  const publicExponent = optionalInteger(body, "public_exponent");
  if (keySize !== undefined) request.keySize = keySize;
  if (publicExponent !== undefined) request.publicExponent = publicExponent;
  if (body.crv !== undefined && body.crv !== null) {
    if (typeof body.crv !== "string") throw VaultErrors.badParameter("The member 'crv' must be a string.");
    request.curve = body.crv;
  }
  const keyOps = parseKeyOps(body);
  const attributes = parseAttributes(body);
  const tags = parseTags(body);
  const releasePolicy = parseReleasePolicy(body);
  if (keyOps) request.keyOps = keyOps;
  if (attributes) request.attributes = attributes;
  if (tags) request.tags = tags;
  if (releasePolicy) request.releasePolicy = releasePolicy;
  return request;
}

export function parseImportKey(body: Json): ImportKeyRequest {
  const jwk = optionalObject(body, "key");
  if (!jwk) throw VaultErrors.badParameter("The member 'key' (a JSON Web Key) is required.");
  if (jwk.key_ops !== undefined && jwk.key_ops !== null) validateKeyOps(jwk.key_ops);
  const request: ImportKeyRequest = { jwk };
  // The wire name is `Hsm` with a capital H; accept the lower-case spelling too.
  const hsm = optionalBoolean(body, "Hsm") ?? optionalBoolean(body, "hsm");
  if (hsm !== undefined) request.hsm = hsm;
  const attributes = parseAttributes(body);
  const tags = parseTags(body);
  const releasePolicy = parseReleasePolicy(body);
  if (attributes) request.attributes = attributes;
  if (tags) request.tags = tags;
  if (releasePolicy) request.releasePolicy = releasePolicy;
  return request;
}

export function parseUpdateKey(body: Json): UpdateKeyRequest {
  const request: UpdateKeyRequest = {};
  const keyOps = parseKeyOps(body);
  const attributes = parseAttributes(body);
  const tags = parseTags(body);
  const releasePolicy = parseReleasePolicy(body);
  if (keyOps) request.keyOps = keyOps;
  if (attributes) request.attributes = attributes;
  if (tags) request.tags = tags;
  if (releasePolicy) request.releasePolicy = releasePolicy;
  return request;
}

export function parseRestore(body: Json): Buffer {
  if (typeof body.value !== "string") throw VaultErrors.badParameter("The member 'value' (the backup blob, base64url) is required.");
  const blob = fromBase64Url(body.value);
  if (!blob) throw VaultErrors.badParameter("The member 'value' is not valid base64url.");
  return blob;
}

/** maxresults: 1..25, default 25. */
export function pageSize(query: URLSearchParams): number {
  const raw = query.get("maxresults");
  if (raw === null || raw === "") return 25;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 25) {
    throw VaultErrors.badParameter(`Invalid maxresults value (${raw}): it must be an integer from 1 to 25.`);
  }
  return n;
}
