import { VaultErrors } from "../domain/errors.js";
import { keyId } from "../domain/key-id.js";
import { fromBase64Url } from "../../shared/base64url.js";
import type { CipherOperation, CipherResult, CryptoService } from "../service/crypto-service.js";
import type { Addressed } from "./host.js";
import { parseJsonBody } from "./parse.js";
import type { CryptoOperation } from "./router.js";

// The wire side of the crypto routes: KeyOperationsParameters / KeySignParameters / KeyVerifyParameters
// in, KeyOperationResult / KeyVerifyResult out, and POST /rng. Binary members are base64url without
// padding; a member that is not base64url is a 400 naming it (Node's own decoder would silently skip
// the bad characters and operate on different bytes).

type Json = Record<string, unknown>;

/** Route segment (lower case in the REST spec) -> the key operation name that key_ops uses. */
const CIPHER_OPERATIONS: Partial<Record<CryptoOperation, CipherOperation>> = {
  encrypt: "encrypt",
  decrypt: "decrypt",
  wrapkey: "wrapKey",
  unwrapkey: "unwrapKey",
};

function algorithm(body: Json): string {
  const alg = body.alg;
  if (alg === undefined || alg === null || alg === "") throw VaultErrors.badParameter("The member 'alg' (the algorithm) is required.");
  if (typeof alg !== "string") throw VaultErrors.badParameter("The member 'alg' must be a string.");
  return alg;
}

function binary(body: Json, member: string, required: true): Buffer;
function binary(body: Json, member: string, required: false): Buffer | undefined;
function binary(body: Json, member: string, required: boolean): Buffer | undefined {
  const value = body[member];
  if (value === undefined || value === null) {
    if (required) throw VaultErrors.badParameter(`The member '${member}' (base64url) is required.`);
    return undefined;
  }
  if (typeof value !== "string") throw VaultErrors.badParameter(`The member '${member}' must be a base64url string.`);
  const bytes = fromBase64Url(value);
  if (!bytes) throw VaultErrors.badParameter(`The member '${member}' is not valid base64url.`);
  return bytes;
}

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** encrypt/decrypt/wrapkey/unwrapkey/sign/verify on `/keys/{name}/{version?}/{operation}`. */
export async function keyOperation(
  crypto: CryptoService,
  at: Addressed,
  route: { name: string; version?: string; operation: CryptoOperation },
  rawBody: string | undefined,
): Promise<Json> {
  const body = parseJsonBody(rawBody);
  const address = { target: at.target, host: at.host, name: route.name, ...(route.version ? { version: route.version } : {}) };
  const alg = algorithm(body);
  switch (route.operation) {
    case "sign": {
      const result = await crypto.sign(address, alg, binary(body, "value", true));
      return { kid: keyId(at.baseUrl, result.key.name, result.key.version), value: b64u(result.value) };
    }
    case "verify": {
      const result = await crypto.verify(address, alg, binary(body, "digest", true), binary(body, "value", true));
      return { value: result.valid };
    }
    default: {
      const operation = CIPHER_OPERATIONS[route.operation]!;
      const iv = binary(body, "iv", false);
      const aad = binary(body, "aad", false);
      const tag = binary(body, "tag", false);
      const result = await crypto.cipher(address, {
        operation,
        algorithm: alg,
        value: binary(body, "value", true),
        ...(iv ? { iv } : {}),
        ...(aad ? { aad } : {}),
        ...(tag ? { tag } : {}),
      });
      return cipherResult(at.baseUrl, result);
    }
  }
}

/**
 * KeyOperationResult. The service also returns `alg` (seen in Managed HSM recordings of encrypt and
 * decrypt), and writes members in alphabetical order; both are kept so recorded bodies compare equal.
 */
function cipherResult(baseUrl: string, result: CipherResult): Json {
  const out: Json = {};
  if (result.aad) out.aad = b64u(result.aad);
  out.alg = result.algorithm;
  if (result.iv) out.iv = b64u(result.iv);
  out.kid = keyId(baseUrl, result.key.name, result.key.version);
  if (result.tag) out.tag = b64u(result.tag);
  out.value = b64u(result.value);
  return out;
}

/** POST /rng `{count}` -> `{value}`. */
export function randomBytesOperation(crypto: CryptoService, at: Addressed, rawBody: string | undefined): Json {
  const body = parseJsonBody(rawBody);
  const count = body.count;
  if (typeof count !== "number" || !Number.isInteger(count)) {
    throw VaultErrors.badParameter("The member 'count' (an integer from 1 to 128) is required.");
  }
  return { value: b64u(crypto.randomBytes(at.target, at.host, count)) };
}
