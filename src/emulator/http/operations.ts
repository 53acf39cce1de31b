import { keyId } from "../domain/key-id.js";
import type { KeyView } from "../domain/key.js";
import type { CryptoService } from "../service/crypto-service.js";
import type { DeletedKeys } from "../service/deleted-keys.js";
import type { KeyBackups } from "../service/key-backup.js";
import type { KeyService } from "../service/key-service.js";
import type { ReleaseService } from "../service/release-service.js";
import type { RotationService } from "../service/rotation-service.js";
import type { AccessControl } from "../service/access-control.js";
import { roleOperation } from "./role-management.js";
import type { Addressed } from "./host.js";
import { keyOperation, randomBytesOperation } from "./key-operations.js";
import { pageSize, parseCreateKey, parseImportKey, parseJsonBody, parseRestore, parseUpdateKey } from "./parse.js";
import { keyAttestation, releaseKey } from "./release.js";
import { failure, type Answer } from "./respond.js";
import type { Route } from "./router.js";
import { parseRotationPolicy, rotationPolicyBody } from "./rotation.js";
import { deletedKeyBundle, deletedKeyItem, keyBundle, keyItem } from "./serialize.js";

// The operation step: one REST operation, from its route to the service call and back to a model. Each
// case reads its body (parse.ts), calls one service method, and answers the model serialize.ts builds;
// the pipeline (pipeline.ts) has already addressed the vault, checked the caller and the api-version,
// and run the vault's clock-driven work.

/** The use cases the operations call (createEmulator, index.ts, makes them). */
export interface KeyVaultServices {
  keys: KeyService;
  deleted: DeletedKeys;
  backups: KeyBackups;
  /** encrypt, decrypt, wrapkey, unwrapkey, sign, verify and rng. */
  crypto: CryptoService;
  /** Rotation policies, rotate, and automatic rotation (issue 6). */
  rotation?: RotationService;
  /** Secure key release and key attestation (issue 6). */
  release?: ReleaseService;
  /** Role-based access (issue 22): the authorize step's decisions and Managed HSM role management. */
  access?: AccessControl;
}

/** Where and how the operation was asked: the vault, the query, the api-version and the body. */
export interface OperationRequest {
  at: Addressed;
  query: URLSearchParams;
  apiVersion: string;
  body: string | undefined;
}

export async function runOperation(services: KeyVaultServices, op: Route, r: OperationRequest): Promise<Answer> {
  const { keys, deleted, backups } = services;
  const { at, query, body } = r;
  const { target, baseUrl, host } = at;
  switch (op.op) {
    case "createKey":
      return bundle(at, await keys.createKey(target, op.name, parseCreateKey(parseJsonBody(body))));
    case "importKey":
      return bundle(at, await keys.importKey(target, op.name, parseImportKey(parseJsonBody(body))));
    case "getKey":
      return bundle(at, keys.getKey(target, host, op.name, op.version));
    case "updateKey":
      return bundle(at, keys.updateKey(target, host, op.name, op.version, parseUpdateKey(parseJsonBody(body))));
    case "deleteKey": {
      const view = deleted.deleteKey(target, host, op.name);
      return { status: 200, body: deletedKeyBundle(baseUrl, view), keyId: versionedId(at, view) };
    }
    case "listKeys": {
      const page = keys.listKeys(target, host, pageSize(query), query.get("$skiptoken") ?? undefined);
      return listPage(page.items.map((v) => keyItem(baseUrl, v, false)), page.next, `${baseUrl}/keys`, r);
    }
    case "listKeyVersions": {
      const page = keys.listKeyVersions(target, host, op.name, pageSize(query), query.get("$skiptoken") ?? undefined);
      const path = `${baseUrl}/keys/${page.items[0]?.key.name ?? op.name}/versions`;
      return listPage(page.items.map((v) => keyItem(baseUrl, v, true)), page.next, path, r);
    }
    case "listDeletedKeys": {
      const page = deleted.listDeletedKeys(target, host, pageSize(query), query.get("$skiptoken") ?? undefined);
      return listPage(page.items.map((v) => deletedKeyItem(baseUrl, v)), page.next, `${baseUrl}/deletedkeys`, r);
    }
    case "getDeletedKey": {
      const view = deleted.getDeletedKey(target, host, op.name);
      return { status: 200, body: deletedKeyBundle(baseUrl, view), keyId: versionedId(at, view) };
    }
    case "recoverDeletedKey":
      return bundle(at, deleted.recoverDeletedKey(target, host, op.name));
    case "purgeDeletedKey":
      deleted.purgeDeletedKey(target, host, op.name);
      return { status: 204 };
    case "backupKey":
      return { status: 200, body: { value: backups.backupKey(target, host, op.name).toString("base64url") } };
    case "restoreKey":
      return bundle(at, backups.restoreKey(target, parseRestore(parseJsonBody(body))));
    case "keyOperation": {
      const result = await keyOperation(services.crypto, at, op, body);
      return { status: 200, body: result, ...(typeof result.kid === "string" ? { keyId: result.kid } : {}) };
    }
    case "getRandomBytes":
      return { status: 200, body: randomBytesOperation(services.crypto, at, body) };
    case "rotateKey":
    case "getRotationPolicy":
    case "updateRotationPolicy":
    case "releaseKey":
    case "getKeyAttestation":
      return rotationAndReleaseOperation(services, op, r);
    case "createRoleAssignment":
    case "getRoleAssignment":
    case "deleteRoleAssignment":
    case "listRoleAssignments":
    case "getRoleDefinition":
    case "listRoleDefinitions":
      if (!services.access) return failure(501, "NotImplemented", `The operation '${op.op}' is not available in this emulator.`);
      return roleOperation(services.access, op, at, query, body);
  }
}

/** Rotation, release and attestation routes (issue 6): 501 when the emulator was built without them. */
async function rotationAndReleaseOperation(
  { rotation, release }: KeyVaultServices,
  op: Extract<Route, { op: "rotateKey" | "getRotationPolicy" | "updateRotationPolicy" | "releaseKey" | "getKeyAttestation" }>,
  { at, apiVersion, body }: OperationRequest,
): Promise<Answer> {
  const { target, baseUrl, host } = at;
  const unavailable = failure(501, "NotImplemented", `The operation '${op.op}' is not available in this emulator.`);
  switch (op.op) {
    case "rotateKey":
      return rotation ? bundle(at, await rotation.rotate(target, host, op.name)) : unavailable;
    case "getRotationPolicy":
      return rotation ? { status: 200, body: rotationPolicyBody(baseUrl, rotation.getPolicy(target, host, op.name)) } : unavailable;
    case "updateRotationPolicy": {
      if (!rotation) return unavailable;
      const view = rotation.updatePolicy(target, host, op.name, parseRotationPolicy(parseJsonBody(body)));
      return { status: 200, body: rotationPolicyBody(baseUrl, view) };
    }
    case "releaseKey":
      return release ? { status: 200, body: await releaseKey(release, at, op, apiVersion, body) } : unavailable;
    case "getKeyAttestation": {
      if (!release) return unavailable;
      const bundleWithAttestation = await keyAttestation(release, at, op);
      return { status: 200, body: bundleWithAttestation, keyId: (bundleWithAttestation.key as { kid: string }).kid };
    }
  }
}

function versionedId(at: Addressed, view: KeyView): string {
  return keyId(at.baseUrl, view.key.name, view.key.version);
}

/** A KeyBundle answer; its kid names the version the audit log records. */
function bundle(at: Addressed, view: KeyView): Answer {
  return { status: 200, body: keyBundle(at.baseUrl, view), keyId: versionedId(at, view) };
}

function listPage(items: unknown[], next: string | undefined, collectionUrl: string, { apiVersion, query }: OperationRequest): Answer {
  let nextLink: string | null = null;
  if (next !== undefined) {
    // Spelled as the service spells it (`$skiptoken`, not URLSearchParams' `%24skiptoken`); the link
    // carries its own api-version and page size, so the SDK follows it verbatim.
    nextLink = `${collectionUrl}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${encodeURIComponent(next)}`;
    const max = query.get("maxresults");
    if (max) nextLink += `&maxresults=${encodeURIComponent(max)}`;
  }
  return { status: 200, body: { value: items, nextLink } };
}
