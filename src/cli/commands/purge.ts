import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { YES_OPTION } from "../args/common-options.js";
import { idArgs, keyTarget } from "../args/key-target.js";

export const purgeCommand = defineCommand({
  path: ["purge"],
  summary: "Permanently delete the specified key.",
  description: "The Purge Deleted Key operation is applicable for soft-delete enabled Vaults or HSMs. It is refused while the vault or HSM has purge protection.",
  options: [...keyIdOptions({ version: false, collection: "deletedkeys" }), YES_OPTION],
  examples: [
    { title: "Purge a deleted key for good (refused while the vault has purge protection).", command: "kvkey purge --vault-name demo --name mykey" },
    { title: "Purge without the question kvkey asks on a terminal.", command: "kvkey purge --vault-name demo --name mykey -y" },
    { title: "Purge a deleted key in Azure Key Vault by its recovery id.", command: "kvkey purge --id https://prod-kv.vault.azure.net/deletedkeys/old-signing" },
  ],
  parse: (raw) => ({ ...idArgs(raw), yes: raw.yes === true }),
  async run({ yes, ...ids }, ctx) {
    const { client, address } = await keyTarget(ctx, ids, { collection: "deletedkeys" });
    await ctx.confirm(`Are you sure you want to permanently purge the deleted key '${address.name}' from ${new URL(address.vaultUrl).host}? It cannot be recovered.`, yes);
    await client.purgeDeletedKey(address.name);
    return undefined;
  },
});
