import { randomUUID } from "node:crypto";
import { VaultError, type VaultErrorCode } from "../domain/errors.js";
import type { KeyService, VaultTarget } from "../service/key-service.js";
import type { CryptoService } from "../service/crypto-service.js";
import { checkApiVersion } from "./api-version.js";
import { bearerToken, challengeHeader, type AuthMode, type TokenAuthority } from "./auth.js";
import { addressRequest, challengeResource, type Addressed } from "./host.js";
import { handleIdentityRequest, isIdentityRequest, type IdentityOptions } from "./identity.js";
import { keyOperation, randomBytesOperation } from "./key-operations.js";
import { pageSize, parseCreateKey, parseImportKey, parseJsonBody, parseRestore, parseUpdateKey } from "./parse.js";
import { route, type Route } from "./router.js";
import { deletedKeyBundle, deletedKeyItem, errorBody, keyBundle, keyItem } from "./serialize.js";
import type { RotationService } from "../service/rotation-service.js";
import type { ReleaseService } from "../service/release-service.js";
import { parseRotationPolicy, rotationPolicyBody } from "./rotation.js";
import { keyAttestation, releaseKey } from "./release.js";
import type { WireRequest, WireResponse } from "./wire.js";
import { storageProblem } from "../store/storage-errors.js";
import { bodyLimitFor } from "./body-limits.js";

const STATUS: Record<VaultErrorCode, number> = {
  BadParameter: 400,
  KeyCurveNotSupported: 400,
  Unauthorized: 401,
  Forbidden: 403,
  KeyNotFound: 404,
  VaultNotFound: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  RequestBodyTooLarge: 413,
  BadRequest: 400,
};

export { MAX_BODY_BYTES, RESTORE_BODY_BYTES } from "./body-limits.js";

interface Result {
  status: number;
  body?: unknown;
}

export interface HandlerOptions {
  service: KeyService;
  /** encrypt, decrypt, wrapkey, unwrapkey, sign, verify and rng. */
  crypto: CryptoService;
  tokens: TokenAuthority;
  /** Default strict: only this emulator's tokens. */
  authMode?: AuthMode;
  /** Serve the managed-identity token endpoint (the served emulator does; the embedded one needs none). */
  identity?: IdentityOptions;
  /** Rotation policies, rotate, and automatic rotation when a request reaches a vault (issue 6). */
  rotation?: RotationService;
  /** Secure key release and key attestation (issue 6). */
  release?: ReleaseService;
  /** Container for requests to a bare `localhost`/IP host. */
  defaultVault?: VaultTarget;
  /** The data directory, named in the answer when its disk is full, read-only or locked. */
  dataDir?: string;
  /** Told of every 500 (the served emulator writes a line to emulator.log); `problem` is the storage message, if any. */
  onInternalError?: (err: unknown, problem: string | undefined, request: WireRequest) => void;
}

/**
 * The Key Vault keys data plane as one function: WireRequest -> WireResponse. The order of the steps is
 * the contract the SDKs rely on:
 *   1. address the container from the Host header (never from the path);
 *   2. challenge: no bearer token -> 401 + WWW-Authenticate, before the body or anything else is read;
 *   3. token check;
 *   4. api-version;
 *   5. route to an operation, parse its body, run it;
 *   6. every failure -> the service's error envelope, with a 4xx for anything the caller got wrong.
 */
export class KeyVaultHandler {
  constructor(private readonly options: HandlerOptions) {}

  async handle(request: WireRequest): Promise<WireResponse> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return this.error(400, "BadParameter", "The request URL is not valid.");
    }
    if (this.options.identity && isIdentityRequest(url)) {
      return handleIdentityRequest(request, url, this.options.tokens, this.options.identity, this.options.authMode ?? "strict");
    }
    const addressed = addressRequest(url, request.headers.host, this.options.defaultVault);
    if (!addressed) {
      return this.error(
        404,
        "NotFound",
        `The host '${url.host}' does not name a vault: use {name}.vault.localhost or {name}.managedhsm.localhost.`,
      );
    }

    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return this.challenge(addressed, false);
    if ((this.options.authMode ?? "strict") === "strict" && !this.options.tokens.verify(token, challengeResource(addressed))) {
      return this.challenge(addressed, true);
    }

    try {
      const apiVersion = checkApiVersion(url.searchParams);
      // 1 MiB, but a restore may carry the largest backup the emulator makes (body-limits.ts).
      const limit = bodyLimitFor(request.method, url.pathname);
      if (request.body !== undefined && Buffer.byteLength(request.body) > limit) {
        throw new VaultError("RequestBodyTooLarge", `The request body exceeds the limit of ${limit} bytes.`);
      }
      const op = route(request.method, url.pathname);
      // Automatic rotation happens when the emulator touches a vault (see rotation-service.ts).
      if (op.op !== "getRandomBytes") await this.options.rotation?.rotateDue(addressed.target);
      const result = await this.dispatch(op, addressed, url, apiVersion, request.body);
      return this.respond(result.status, result.body);
    } catch (err) {
      if (err instanceof VaultError) return this.error(STATUS[err.code], err.code, err.message, err.innerCode);
      // Anything else is the emulator's own fault: report it as the service would (500), with no detail
      // that could carry key material. A full disk, a read-only data directory or a database another
      // process keeps locked is said as such, with where (storage-errors.ts): the user can fix those.
      const problem = storageProblem(err, this.options.dataDir);
      this.options.onInternalError?.(err, problem, request);
      return this.error(500, "InternalError", problem ?? "The emulator failed to process the request.");
    }
  }

  private async dispatch(op: Route, at: Addressed, url: URL, apiVersion: string, body: string | undefined): Promise<Result> {
    const svc = this.options.service;
    const { target, baseUrl, host } = at;
    const query = url.searchParams;
    switch (op.op) {
      case "createKey": {
        const view = await svc.createKey(target, op.name, parseCreateKey(parseJsonBody(body)));
        return { status: 200, body: keyBundle(baseUrl, view) };
      }
      case "importKey": {
        const view = await svc.importKey(target, op.name, parseImportKey(parseJsonBody(body)));
        return { status: 200, body: keyBundle(baseUrl, view) };
      }
      case "getKey":
        return { status: 200, body: keyBundle(baseUrl, svc.getKey(target, host, op.name, op.version)) };
      case "updateKey": {
        const view = svc.updateKey(target, host, op.name, op.version, parseUpdateKey(parseJsonBody(body)));
        return { status: 200, body: keyBundle(baseUrl, view) };
      }
      case "deleteKey":
        return { status: 200, body: deletedKeyBundle(baseUrl, svc.deleteKey(target, host, op.name)) };
      case "listKeys": {
        const page = svc.listKeys(target, host, pageSize(query), query.get("$skiptoken") ?? undefined);
        return this.page(page.items.map((v) => keyItem(baseUrl, v, false)), page.next, `${baseUrl}/keys`, apiVersion, query);
      }
      case "listKeyVersions": {
        const page = svc.listKeyVersions(target, host, op.name, pageSize(query), query.get("$skiptoken") ?? undefined);
        const path = `${baseUrl}/keys/${page.items[0]?.key.name ?? op.name}/versions`;
        return this.page(page.items.map((v) => keyItem(baseUrl, v, true)), page.next, path, apiVersion, query);
      }
      case "listDeletedKeys": {
        const page = svc.listDeletedKeys(target, host, pageSize(query), query.get("$skiptoken") ?? undefined);
        return this.page(page.items.map((v) => deletedKeyItem(baseUrl, v)), page.next, `${baseUrl}/deletedkeys`, apiVersion, query);
      }
      case "getDeletedKey":
        return { status: 200, body: deletedKeyBundle(baseUrl, svc.getDeletedKey(target, host, op.name)) };
      case "recoverDeletedKey":
        return { status: 200, body: keyBundle(baseUrl, svc.recoverDeletedKey(target, host, op.name)) };
      case "purgeDeletedKey":
        svc.purgeDeletedKey(target, host, op.name);
        return { status: 204 };
      case "backupKey":
        return { status: 200, body: { value: svc.backupKey(target, host, op.name).toString("base64url") } };
      case "restoreKey":
        return { status: 200, body: keyBundle(baseUrl, svc.restoreKey(target, parseRestore(parseJsonBody(body)))) };
      case "keyOperation":
        return { status: 200, body: await keyOperation(this.options.crypto, at, op, body) };
      case "getRandomBytes":
        return { status: 200, body: randomBytesOperation(this.options.crypto, at, body) };
      case "rotateKey":
      case "getRotationPolicy":
      case "updateRotationPolicy":
      case "releaseKey":
      case "getKeyAttestation":
        return this.lifetime(op, at, apiVersion, body);
    }
  }

  /** Rotation, release and attestation routes (issue 6): 501 when the handler was built without them. */
  private async lifetime(
    op: Extract<Route, { op: "rotateKey" | "getRotationPolicy" | "updateRotationPolicy" | "releaseKey" | "getKeyAttestation" }>,
    at: Addressed,
    apiVersion: string,
    body: string | undefined,
  ): Promise<Result> {
    const { rotation, release } = this.options;
    const { target, baseUrl, host } = at;
    const unavailable = { status: 501, body: errorBody("NotImplemented", `The operation '${op.op}' is not available in this emulator.`) };
    switch (op.op) {
      case "rotateKey":
        return rotation ? { status: 200, body: keyBundle(baseUrl, await rotation.rotate(target, host, op.name)) } : unavailable;
      case "getRotationPolicy":
        return rotation ? { status: 200, body: rotationPolicyBody(baseUrl, rotation.getPolicy(target, host, op.name)) } : unavailable;
      case "updateRotationPolicy": {
        if (!rotation) return unavailable;
        const view = rotation.updatePolicy(target, host, op.name, parseRotationPolicy(parseJsonBody(body)));
        return { status: 200, body: rotationPolicyBody(baseUrl, view) };
      }
      case "releaseKey":
        return release ? { status: 200, body: await releaseKey(release, at, op, apiVersion, body) } : unavailable;
      case "getKeyAttestation":
        return release ? { status: 200, body: await keyAttestation(release, at, op) } : unavailable;
    }
  }

  private page(items: unknown[], next: string | undefined, collectionUrl: string, apiVersion: string, query: URLSearchParams): Result {
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

  private challenge(at: Addressed, invalidToken: boolean): WireResponse {
    const headers = { ...baseHeaders(), "www-authenticate": challengeHeader(at) };
    // Managed HSM answers the challenge with an empty body; vaults with an error envelope.
    if (at.target.kind === "managedhsm" && !invalidToken) return { status: 401, headers: { ...headers, "content-length": "0" }, body: "" };
    const message = invalidToken
      ? "AKV10032: The bearer token was not issued by this emulator or has expired."
      : "AKV10000: Request is missing a Bearer or PoP token.";
    return { status: 401, headers: { ...headers, "content-type": JSON_TYPE }, body: JSON.stringify(errorBody("Unauthorized", message)) };
  }

  private respond(status: number, body: unknown): WireResponse {
    if (status === 204 || body === undefined) return { status, headers: baseHeaders(), body: "" };
    return { status, headers: { ...baseHeaders(), "content-type": JSON_TYPE }, body: JSON.stringify(body) };
  }

  private error(status: number, code: string, message: string, innerCode?: string): WireResponse {
    return this.respond(status, errorBody(code, message, innerCode));
  }
}

const JSON_TYPE = "application/json; charset=utf-8";

function baseHeaders(): Record<string, string> {
  return {
    "cache-control": "no-cache",
    "x-ms-request-id": randomUUID(),
    "x-ms-keyvault-service-version": "1.9.0.0",
    "x-ms-keyvault-region": "local",
    "x-content-type-options": "nosniff",
    "strict-transport-security": "max-age=31536000;includeSubDomains",
  };
}
