import type { KeyClient } from "@azure/keyvault-keys";
import type { CommandContext } from "../context.js";
import type { OptionSpec } from "../spec.js";
import type { IdArgsRaw, KeyAddress } from "../args/id-args.js";
import { keyIdOptions } from "../args/id-args.js";
import { CliError } from "../errors.js";
import { keyTarget } from "./shared.js";

// How the crypto commands reach the vault. @azure/keyvault-keys' CryptographyClient first GETs the key
// and then encrypts/wraps with RSA and verifies RS*/PS* locally with the public key, after checking
// nbf/exp against this machine's clock and key_ops itself. A CLI must let the vault decide instead: its
// clock, its key_ops, its audit log, and an HSM key whose public half the caller may not read. So every
// operation here is one POST to /keys/{name}/{version}/{operation}, sent through the generated REST
// client the KeyClient already holds (same pipeline: credential, challenge auth, --debug trace, retry).

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

/**
 * The KeyClient's generated client (`KeyClient.client`, private in the typings but a plain property;
 * the SDK itself hands it to CryptographyClient for the same purpose, see getCryptographyClient). Checked
 * at run time so an SDK upgrade that moves it fails loudly here instead of falling back to local crypto.
 */
export function remoteOperations(client: KeyClient): RemoteKeyOperations {
  const generated = (client as unknown as { client?: Record<string, unknown> }).client;
  if (!generated || OPERATIONS.some((op) => typeof generated[op] !== "function")) {
    throw new CliError("This version of @azure/keyvault-keys does not expose its REST operations; kvkey needs 4.10.x.");
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

/** Id Arguments with --version, as az's encrypt, decrypt, sign, verify and download take them. */
export const CRYPTO_ID_OPTIONS: readonly OptionSpec[] = keyIdOptions({ version: true, collection: "keys" });

export const ALGORITHM_FLAGS = "-a, --algorithm <algorithm>";

export const PREVIEW_WARNING = "This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

export interface CryptoTarget {
  ops: RemoteKeyOperations;
  address: KeyAddress;
  /** The key id as addressed (versioned when a version was given): the fallback when a response has no kid. */
  keyId: string;
}

export async function cryptoTarget(ctx: CommandContext, ids: IdArgsRaw): Promise<CryptoTarget> {
  const { client, address } = await keyTarget(ctx, ids, { takesVersion: true });
  const keyId = `${address.vaultUrl}/keys/${address.name}${address.version ? `/${address.version}` : ""}`;
  return { ops: remoteOperations(client), address, keyId };
}
