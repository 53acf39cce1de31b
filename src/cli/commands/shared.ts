import type { KeyClient } from "@azure/keyvault-keys";
import type { CommandContext } from "../context.js";
import type { OptionSpec, RawOptions } from "../spec.js";
import { resolveKeyAddress, resolveVaultUrl, type IdArgsRaw, type KeyAddress } from "../args/id-args.js";

// Pieces several key commands share: reading the id arguments out of commander's raw values, and
// resolving them against the active cloud when the command runs.

export function idArgs(raw: RawOptions): IdArgsRaw {
  const out: IdArgsRaw = {};
  for (const key of ["id", "vaultName", "hsmName", "name", "version"] as const) {
    const value = raw[key];
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

export function str(raw: RawOptions, key: string): string | undefined {
  const value = raw[key];
  return typeof value === "string" ? value : undefined;
}

export function list(raw: RawOptions, key: string): string[] | undefined {
  const value = raw[key];
  return Array.isArray(value) ? (value as string[]) : undefined;
}

export async function keyTarget(
  ctx: CommandContext,
  ids: IdArgsRaw,
  opts: { collection?: "keys" | "deletedkeys"; takesVersion?: boolean } = {},
): Promise<{ client: KeyClient; address: KeyAddress }> {
  const address = resolveKeyAddress(ids, ctx.cloud, {
    collection: opts.collection ?? "keys",
    takesVersion: opts.takesVersion ?? false,
  });
  return { client: await ctx.keyClient(address.vaultUrl), address };
}

export async function vaultTarget(ctx: CommandContext, ids: IdArgsRaw): Promise<{ client: KeyClient; vaultUrl: string }> {
  const vaultUrl = resolveVaultUrl(ids, ctx.cloud);
  return { client: await ctx.keyClient(vaultUrl), vaultUrl };
}

export const MAXRESULTS_OPTION: OptionSpec = {
  flags: "--maxresults <n>",
  help: "Maximum number of results to return.",
};
