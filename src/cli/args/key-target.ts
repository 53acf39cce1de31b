import type { KeyClient } from "@azure/keyvault-keys";
import type { CommandContext } from "../context.js";
import type { RawOptions } from "../spec.js";
import { resolveKeyAddress, resolveVaultUrl, type IdArgsRaw, type KeyAddress } from "./id-args.js";
import { ValidationError } from "../errors.js";
import type { Settings } from "../settings.js";

// Pieces several key commands share: reading the id arguments out of the parser's raw values, and
// resolving them against the active cloud when the command runs.

export function idArgs(raw: RawOptions): IdArgsRaw {
  const out: IdArgsRaw = {};
  for (const key of ["id", "vaultName", "hsmName", "name", "version"] as const) {
    const value = raw[key];
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

/**
 * The id arguments with `kvkey config set defaults.vault=...` (or defaults.hsm) filled in when none of
 * --id, --vault-name and --hsm-name was given. az has no default vault, so this only ever applies
 * where az would have failed with a usage error.
 */
export function withDefaultVault(ids: IdArgsRaw, settings: Settings): IdArgsRaw {
  if (ids.id !== undefined || ids.vaultName !== undefined || ids.hsmName !== undefined) return ids;
  const { defaultVault, defaultHsm } = settings;
  if (defaultVault !== undefined && defaultHsm !== undefined) {
    throw new ValidationError(
      "Both defaults.vault and defaults.hsm are configured: pass --vault-name or --hsm-name, or remove one with 'kvkey config unset'.",
    );
  }
  if (defaultVault !== undefined) return { ...ids, vaultName: defaultVault };
  if (defaultHsm !== undefined) return { ...ids, hsmName: defaultHsm };
  return ids;
}

export async function keyTarget(
  ctx: CommandContext,
  ids: IdArgsRaw,
  opts: { collection?: "keys" | "deletedkeys"; takesVersion?: boolean } = {},
): Promise<{ client: KeyClient; address: KeyAddress }> {
  const address = resolveKeyAddress(withDefaultVault(ids, ctx.settings), ctx.cloud, {
    collection: opts.collection ?? "keys",
    takesVersion: opts.takesVersion ?? false,
  });
  return { client: await ctx.keyClient(address.vaultUrl), address };
}

export async function vaultTarget(ctx: CommandContext, ids: IdArgsRaw): Promise<{ client: KeyClient; vaultUrl: string }> {
  const vaultUrl = resolveVaultUrl(withDefaultVault(ids, ctx.settings), ctx.cloud);
  return { client: await ctx.keyClient(vaultUrl), vaultUrl };
}
