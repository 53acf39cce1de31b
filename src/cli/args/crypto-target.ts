import type { CommandContext } from "../context.js";
import type { OptionSpec } from "../spec.js";
import { keyIdOptions, type IdArgsRaw, type KeyAddress } from "./id-args.js";
import { keyTarget } from "./key-target.js";
import { remoteOperations, type RemoteKeyOperations } from "../../vault-client/sdk-internals.js";

// How the crypto commands reach the vault: every operation is one POST to
// /keys/{name}/{version}/{operation}, never local crypto (vault-client/sdk-internals.ts says why and how).

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
