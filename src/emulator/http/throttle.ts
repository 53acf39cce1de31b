import { isKeyType, type KeyType } from "../domain/key.js";
import { createCharge, otherCharge, THROTTLED_MESSAGE, type LimitCharge, type LimitedKey } from "../domain/service-limits.js";
import type { VaultTarget } from "../domain/vault.js";
import type { ServiceLimits } from "../service/service-limits.js";
import { failure, type Answer } from "./respond.js";
import type { Route } from "./router.js";

// The throttle step (issue 22, item 4; on with the azure profile or `--throttle`): every request that
// reaches a key vault's operation is charged to the vault's documented limits (domain/service-limits.ts),
// weighted by the key type it addresses; past them the answer is the service's 429, with Retry-After (the
// whole seconds until the window has room again), so an SDK's throttling retry policy waits and retries
// as it would against Azure. Managed HSMs are not throttled (see service-limits.ts).

/** The charge a request makes: creations against the create budget, everything else against the other. */
export function chargeFor(route: Route, body: string | undefined, keyOf: (name: string) => LimitedKey | undefined): LimitCharge {
  switch (route.op) {
    case "createKey":
      return createCharge(createdKey(body));
    case "importKey":
      return createCharge(importedKey(body));
    case "rotateKey":
      return createCharge(keyOf(route.name) ?? { kty: "RSA" });
    case "listKeys":
    case "listDeletedKeys":
    case "restoreKey":
    case "getRandomBytes":
    // Role management is a Managed HSM's (which this does not limit); were it charged, it names no key.
    case "createRoleAssignment":
    case "getRoleAssignment":
    case "deleteRoleAssignment":
    case "listRoleAssignments":
    case "getRoleDefinition":
    case "listRoleDefinitions":
      return otherCharge(undefined);
    default:
      return otherCharge(keyOf(route.name));
  }
}

export function throttleStep(limits: ServiceLimits, target: VaultTarget, route: Route, body: string | undefined): Answer | undefined {
  if (target.kind !== "vault") return undefined;
  const retryAfter = limits.charge(target, chargeFor(route, body, (name) => limits.keyOf(target, name)));
  if (retryAfter === undefined) return undefined;
  return { ...failure(429, "Throttled", THROTTLED_MESSAGE), headers: { "retry-after": String(retryAfter) } };
}

function json(body: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = body === undefined ? undefined : JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {}; // the operation will refuse the body; what it would have been is charged as a software key
  }
}

/** A create body's key type and size, as far as it says (the operation validates it). */
function createdKey(body: string | undefined): LimitedKey {
  const b = json(body);
  const kty: KeyType = isKeyType(b.kty) ? b.kty : b.kty === "AES" ? "oct-HSM" : "RSA";
  return typeof b.key_size === "number" ? { kty, keySize: b.key_size } : { kty };
}

function importedKey(body: string | undefined): LimitedKey {
  const b = json(body);
  const jwk = typeof b.key === "object" && b.key !== null ? (b.key as Record<string, unknown>) : {};
  let kty: KeyType = isKeyType(jwk.kty) ? jwk.kty : "RSA";
  if ((b.Hsm === true || b.hsm === true || jwk.key_hsm !== undefined) && !kty.endsWith("-HSM")) kty = `${kty}-HSM` as KeyType;
  const n = typeof jwk.n === "string" ? Buffer.from(jwk.n, "base64url") : undefined;
  return n ? { kty, keySize: n.length * 8 } : { kty };
}
