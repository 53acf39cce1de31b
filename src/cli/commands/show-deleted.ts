import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { deletedKeyView } from "../views/key-view.js";
import { deletedKeyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";

export const showDeletedCommand = defineCommand({
  path: ["show-deleted"],
  summary: "Get the public part of a deleted key.",
  description: "The Get Deleted Key operation is applicable for soft-delete enabled Vaults or HSMs.",
  options: keyIdOptions({ version: false, collection: "deletedkeys" }),
  examples: [
    { title: "Show a deleted key and its scheduled purge date.", command: "kvkey show-deleted --vault-name demo --name mykey" },
    { title: "Show a deleted key by its recovery id.", command: "kvkey show-deleted --id https://demo.vault.localhost/deletedkeys/mykey" },
    { title: "Show a deleted key in Azure Key Vault.", command: "kvkey show-deleted --cloud AzureCloud --vault-name prod-kv --name signing" },
  ],
  parse: (raw) => idArgs(raw),
  async run(ids, ctx) {
    const { client, address } = await keyTarget(ctx, ids, { collection: "deletedkeys" });
    return deletedKeyView(await client.getDeletedKey(address.name));
  },
  tableView: deletedKeyTable,
});
