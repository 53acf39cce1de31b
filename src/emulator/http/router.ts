import { VaultError } from "../domain/errors.js";

// Maps a method and path to one REST operation. Paths are split on '/' keeping empty segments, because
// the SDK addresses "latest" with an empty version: `GET /keys/k/` and `POST /keys/k//encrypt`.
// Literal segments (create, versions, backup, ...) win over a version only for the method that owns
// them: `POST /keys/k/backup` backs up, `GET /keys/k/backup` reads a version called "backup".

export type CryptoOperation = "encrypt" | "decrypt" | "wrapkey" | "unwrapkey" | "sign" | "verify";

export type Route =
  | { op: "listKeys" }
  | { op: "restoreKey" }
  | { op: "importKey"; name: string }
  | { op: "getKey"; name: string; version?: string }
  | { op: "updateKey"; name: string; version?: string }
  | { op: "deleteKey"; name: string }
  | { op: "createKey"; name: string }
  | { op: "listKeyVersions"; name: string }
  | { op: "backupKey"; name: string }
  | { op: "rotateKey"; name: string }
  | { op: "getRotationPolicy"; name: string }
  | { op: "updateRotationPolicy"; name: string }
  | { op: "releaseKey"; name: string; version?: string }
  | { op: "getKeyAttestation"; name: string; version?: string }
  | { op: "keyOperation"; name: string; version?: string; operation: CryptoOperation }
  | { op: "listDeletedKeys" }
  | { op: "getDeletedKey"; name: string }
  | { op: "purgeDeletedKey"; name: string }
  | { op: "recoverDeletedKey"; name: string }
  | { op: "getRandomBytes" }
  // Managed HSM local RBAC (api-version 7.2 on): `/{scope}/providers/Microsoft.Authorization/...`.
  | { op: "createRoleAssignment"; scope: string; assignment: string }
  | { op: "getRoleAssignment"; scope: string; assignment: string }
  | { op: "deleteRoleAssignment"; scope: string; assignment: string }
  | { op: "listRoleAssignments"; scope: string }
  | { op: "getRoleDefinition"; scope: string; definition: string }
  | { op: "listRoleDefinitions"; scope: string };

const CRYPTO_OPS = new Set<string>(["encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify"]);

function notFound(path: string): VaultError {
  return new VaultError("NotFound", `No Key Vault operation matches the path '${path}'.`);
}

function methodNotAllowed(method: string): VaultError {
  return new VaultError("MethodNotAllowed", `The requested resource does not support http method '${method}'.`);
}

const AUTHORIZATION = /^(.*?)\/providers\/Microsoft\.Authorization\/(roleAssignments|roleDefinitions)(?:\/([^/]*))?\/?$/i;

/**
 * `/{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]` and `.../roleDefinitions[/{name}]`.
 * The scope is what comes before (`/`, `/keys`, `/keys/{name}`; SDKs send `//providers/...` or
 * `/providers/...` for `/`). Undefined when the path is not one of these.
 */
function rbacRoute(m: string, rawPath: string): Route | undefined {
  const match = AUTHORIZATION.exec(rawPath);
  if (!match) return undefined;
  const scope = segment(match[1]!, rawPath);
  const name = match[3] === undefined || match[3] === "" ? undefined : segment(match[3], rawPath);
  if (match[2]!.toLowerCase() === "roleassignments") {
    if (name === undefined) {
      if (m === "GET") return { op: "listRoleAssignments", scope };
      throw methodNotAllowed(m);
    }
    if (m === "PUT") return { op: "createRoleAssignment", scope, assignment: name };
    if (m === "GET") return { op: "getRoleAssignment", scope, assignment: name };
    if (m === "DELETE") return { op: "deleteRoleAssignment", scope, assignment: name };
    throw methodNotAllowed(m);
  }
  if (name === undefined) {
    if (m === "GET") return { op: "listRoleDefinitions", scope };
    throw methodNotAllowed(m);
  }
  // Custom role definitions (PUT, DELETE) are not emulated: the built-in roles are read-only.
  if (m === "GET") return { op: "getRoleDefinition", scope, definition: name };
  throw methodNotAllowed(m);
}

function segment(raw: string, path: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw notFound(path);
  }
}

/** Version segment: empty means "latest". */
function ver(raw: string | undefined): string | undefined {
  return raw === undefined || raw === "" ? undefined : raw;
}

/**
 * The operation a method and path name. `kind` is the container's: only a Managed HSM serves its local
 * RBAC routes on the data plane (a key vault's role assignments are ARM's, so its host answers them 404).
 */
export function route(method: string, rawPath: string, kind?: "vault" | "managedhsm"): Route {
  const m = method.toUpperCase();
  const rbac = kind === "managedhsm" ? rbacRoute(m, rawPath) : undefined;
  if (rbac) return rbac;
  const segs = rawPath.split("/").slice(1).map((s) => segment(s, rawPath));
  const head = segs[0]?.toLowerCase();
  const lit = (i: number) => segs[i]?.toLowerCase();
  const n = segs.length;
  // Trailing-slash variants of collection routes (`/keys/`, `/deletedkeys/k/`) mean the same thing.
  const trailing = n > 1 && segs[n - 1] === "";

  if (head === "keys") {
    if (n === 1 || (n === 2 && segs[1] === "")) {
      if (m === "GET") return { op: "listKeys" };
      throw methodNotAllowed(m);
    }
    const name = segs[1]!;
    if (name === "") throw notFound(rawPath);
    if (n === 2) {
      if (m === "POST" && lit(1) === "restore") return { op: "restoreKey" };
      if (m === "GET") return { op: "getKey", name };
      if (m === "PUT") return { op: "importKey", name };
      if (m === "DELETE") return { op: "deleteKey", name };
      if (m === "PATCH") return { op: "updateKey", name };
      throw methodNotAllowed(m);
    }
    if (n === 3 || (n === 4 && trailing)) {
      const third = segs[2]!;
      const l = third.toLowerCase();
      if (m === "POST") {
        if (l === "create") return { op: "createKey", name };
        if (l === "backup") return { op: "backupKey", name };
        if (l === "rotate") return { op: "rotateKey", name };
        if (l === "release") return { op: "releaseKey", name };
        if (third === "" && lit(1) === "restore" && n === 3) return { op: "restoreKey" };
        throw methodNotAllowed(m);
      }
      if (m === "GET") {
        if (l === "versions") return { op: "listKeyVersions", name };
        if (l === "rotationpolicy") return { op: "getRotationPolicy", name };
        if (l === "attestation") return { op: "getKeyAttestation", name };
        const version = ver(third);
        return version ? { op: "getKey", name, version } : { op: "getKey", name };
      }
      if (m === "PUT" && l === "rotationpolicy") return { op: "updateRotationPolicy", name };
      if (m === "PATCH") {
        const version = ver(third);
        return version ? { op: "updateKey", name, version } : { op: "updateKey", name };
      }
      if (third === "" && m === "PUT") return { op: "importKey", name };
      if (third === "" && m === "DELETE") return { op: "deleteKey", name };
      throw methodNotAllowed(m);
    }
    if (n === 4 || (n === 5 && trailing)) {
      const version = ver(segs[2]);
      const action = lit(3)!;
      const v = version ? { version } : {};
      if (CRYPTO_OPS.has(action)) {
        if (m === "POST") return { op: "keyOperation", name, operation: action as CryptoOperation, ...v };
        throw methodNotAllowed(m);
      }
      if (action === "release") {
        if (m === "POST") return { op: "releaseKey", name, ...v };
        throw methodNotAllowed(m);
      }
      if (action === "attestation") {
        if (m === "GET") return { op: "getKeyAttestation", name, ...v };
        throw methodNotAllowed(m);
      }
    }
    throw notFound(rawPath);
  }

  if (head === "deletedkeys") {
    if (n === 1 || (n === 2 && segs[1] === "")) {
      if (m === "GET") return { op: "listDeletedKeys" };
      throw methodNotAllowed(m);
    }
    const name = segs[1]!;
    if (n === 2 || (n === 3 && trailing)) {
      if (m === "GET") return { op: "getDeletedKey", name };
      if (m === "DELETE") return { op: "purgeDeletedKey", name };
      throw methodNotAllowed(m);
    }
    if ((n === 3 || (n === 4 && trailing)) && lit(2) === "recover") {
      if (m === "POST") return { op: "recoverDeletedKey", name };
      throw methodNotAllowed(m);
    }
    throw notFound(rawPath);
  }

  if (head === "rng" && (n === 1 || (n === 2 && trailing))) {
    if (m === "POST") return { op: "getRandomBytes" };
    throw methodNotAllowed(m);
  }

  throw notFound(rawPath);
}
