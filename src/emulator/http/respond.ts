import { randomUUID } from "node:crypto";
import type { VaultError, VaultErrorCode } from "../domain/errors.js";
import { challengeHeader } from "./auth.js";
import type { Addressed } from "./host.js";
import { errorBody } from "./serialize.js";
import type { WireResponse } from "./wire.js";

// The serialise step: what a step or the operation answered (a model) becomes the wire response, with
// the headers every Key Vault response carries; a VaultError becomes the service's error envelope with
// the status its code maps to. This is the only place where domain error codes meet HTTP statuses.

/** What a pipeline step answers: a model the serialise step writes, never bytes (but see `wire`). */
export interface Answer {
  status: number;
  /** Written as JSON; none for a 204, or for Managed HSM's bare challenge. */
  body?: unknown;
  /** Headers beyond the ones every response carries. */
  headers?: Record<string, string>;
  /** A failure's message, for the audit log (the emulator's own text: it never quotes a payload). */
  errorMessage?: string;
  /** The key version the operation used (its kid), for the audit log. */
  keyId?: string;
  /** A response already complete in another format (the managed-identity endpoint's). */
  wire?: WireResponse;
  /** Answer nothing and close the connection (an injected fault); the status is then 0. */
  drop?: true;
}

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
  "Malformed backup blob": 400,
  BadRequest: 400,
};

const JSON_TYPE = "application/json; charset=utf-8";

export function failure(status: number, code: string, message: string, innerCode?: string): Answer {
  return { status, body: errorBody(code, message, innerCode), errorMessage: message };
}

export function vaultFailure(err: VaultError): Answer {
  return failure(STATUS[err.code], err.code, err.message, err.innerCode);
}

/**
 * Anything but a VaultError is the emulator's own fault: reported as the service would (500), with no
 * detail that could carry key material; `problem` is what storage-errors.ts made of a storage failure.
 */
export function internalFailure(problem?: string): Answer {
  return failure(500, "InternalError", problem ?? "The emulator failed to process the request.");
}

/** The 401 challenge every SDK expects before it sends a token (and the body) for real. */
export function challenge(at: Addressed, invalidToken: boolean): Answer {
  const headers = { "www-authenticate": challengeHeader(at) };
  const missing = "AKV10000: Request is missing a Bearer or PoP token.";
  // Managed HSM answers the challenge with an empty body; vaults with an error envelope.
  if (at.target.kind === "managedhsm" && !invalidToken) return { status: 401, headers: { ...headers, "content-length": "0" }, errorMessage: missing };
  const message = invalidToken ? "AKV10032: The bearer token was not issued by this emulator or has expired." : missing;
  return { ...failure(401, "Unauthorized", message), headers };
}

export function serialise(answer: Answer): WireResponse {
  if (answer.wire) return answer.wire;
  if (answer.drop) return { status: 0, headers: {}, body: "", drop: true };
  const { status, body } = answer;
  if (status === 204 || body === undefined) return { status, headers: { ...baseHeaders(), ...answer.headers }, body: "" };
  return { status, headers: { ...baseHeaders(), ...answer.headers, "content-type": JSON_TYPE }, body: JSON.stringify(body) };
}

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
