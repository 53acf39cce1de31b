import type { KeyClient } from "@azure/keyvault-keys";

// Everything kvkey takes from @azure/keyvault-keys beyond its public API, in one file: the generated
// REST client a KeyClient holds (`KeyClient.client`, private in the typings but a plain property; the
// SDK itself hands it to CryptographyClient, see getCryptographyClient). package.json pins the SDK with
// `~` so a minor release cannot move it unnoticed; each use checks its shape at run time, so an upgrade
// that does move it fails loudly (or, for an optimisation, is skipped) instead of doing something else.

export interface CipherParameters {
  algorithm: string;
  value: Uint8Array;
  iv?: Uint8Array;
  aad?: Uint8Array;
  tag?: Uint8Array;
}

/** KeyOperationResult as the generated client deserialises it (binary members already decoded). */
export interface CipherResult {
  kid?: string;
  result?: Uint8Array;
  iv?: Uint8Array;
  authenticationTag?: Uint8Array;
  additionalAuthenticatedData?: Uint8Array;
}

/** The REST operations of the generated client inside a KeyClient. An empty version means the latest. */
export interface RemoteKeyOperations {
  encrypt(name: string, version: string, parameters: CipherParameters): Promise<CipherResult>;
  decrypt(name: string, version: string, parameters: CipherParameters): Promise<CipherResult>;
  wrapKey(name: string, version: string, parameters: CipherParameters): Promise<CipherResult>;
  unwrapKey(name: string, version: string, parameters: CipherParameters): Promise<CipherResult>;
  sign(name: string, version: string, parameters: { algorithm: string; value: Uint8Array }): Promise<{ kid?: string; result?: Uint8Array }>;
  verify(
    name: string,
    version: string,
    parameters: { algorithm: string; digest: Uint8Array; signature: Uint8Array },
  ): Promise<{ value?: boolean }>;
}

const OPERATIONS = ["encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"] as const;

/** The SDK no longer exposes what kvkey needs from it. */
export class SdkInternalsError extends Error {
  override readonly name = "SdkInternalsError";
}

/**
 * The vault's own crypto operations, one POST each. @azure/keyvault-keys' CryptographyClient would
 * encrypt, wrap and verify locally with the public key after checking nbf/exp and key_ops against this
 * machine's clock; a CLI must let the vault decide (its clock, its key_ops, its audit log, and an HSM key
 * whose public half the caller may not read). Same pipeline as the KeyClient: credential, challenge
 * auth, --debug trace, retry.
 */
export function remoteOperations(client: KeyClient): RemoteKeyOperations {
  const generated = generatedClient(client) as Record<string, unknown> | undefined;
  if (!generated || OPERATIONS.some((op) => typeof generated[op] !== "function")) {
    throw new SdkInternalsError("This version of @azure/keyvault-keys does not expose its REST operations; kvkey needs 4.10.x.");
  }
  const call = (op: (typeof OPERATIONS)[number]) => (generated[op] as (...args: unknown[]) => Promise<never>).bind(generated);
  return {
    encrypt: call("encrypt"),
    decrypt: call("decrypt"),
    wrapKey: call("wrapKey"),
    unwrapKey: call("unwrapKey"),
    sign: call("sign"),
    verify: call("verify"),
  };
}

/**
 * Key Vault requests are JSON, never forms, but the SDK's formDataPolicy asks `typeof FormData` on every
 * request, and on Node 20 that first look loads the whole built-in undici (~95 internal modules, ~40 ms;
 * docs/performance.md). scripts/build.mjs guards the SDK's other FormData check the same way.
 * The policy lives in the generated client's pipeline: removed when it is there, left alone if a later
 * SDK moves it (an optimisation, not a behaviour).
 */
export function dropFormDataPolicy(client: KeyClient): void {
  const generated = generatedClient(client) as { pipeline?: { removePolicy?: (p: { name: string }) => unknown } } | undefined;
  generated?.pipeline?.removePolicy?.({ name: "formDataPolicy" });
}

function generatedClient(client: KeyClient): unknown {
  return (client as unknown as { client?: unknown }).client;
}

/** A response of the generated client's REST layer: status as text, the parsed body. */
interface RestResponse {
  status: string;
  body: unknown;
  headers: Record<string, string>;
}

interface RestPath {
  get(options?: object): Promise<RestResponse>;
  put(options?: object): Promise<RestResponse>;
  delete(options?: object): Promise<RestResponse>;
}

/**
 * One request to the vault or HSM at a path the SDK has no method for (Managed HSM role management),
 * through the KeyClient's own pipeline: credential and challenge, retries, kvkey's policies, --debug.
 * A status other than 2xx throws a RestError carrying the service's body, so the CLI reports it as any
 * service error.
 */
export async function vaultRequest(client: KeyClient, method: "GET" | "PUT" | "DELETE", path: string, body?: unknown): Promise<unknown> {
  const rest = (generatedClient(client) as { _client?: { path?: (p: string) => RestPath } } | undefined)?._client;
  if (typeof rest?.path !== "function") {
    throw new SdkInternalsError("This version of @azure/keyvault-keys does not expose its REST client; kvkey needs 4.10.x.");
  }
  const at = rest.path(path);
  const options = body === undefined ? {} : { body, contentType: "application/json" };
  const response = method === "GET" ? await at.get(options) : method === "PUT" ? await at.put(options) : await at.delete(options);
  if (!/^2\d\d$/.test(response.status)) {
    const { RestError, createHttpHeaders, createPipelineRequest } = await import("@azure/core-rest-pipeline");
    const error = (response.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const status = Number(response.status);
    throw new RestError(error?.message ?? `The service answered ${status}.`, {
      statusCode: status,
      ...(error?.code ? { code: error.code } : {}),
      response: {
        status,
        headers: createHttpHeaders(response.headers),
        request: createPipelineRequest({ url: path, method }),
        bodyAsText: typeof response.body === "string" ? response.body : JSON.stringify(response.body ?? ""),
      },
    });
  }
  return response.body;
}
