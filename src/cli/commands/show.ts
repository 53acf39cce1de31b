import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { keyView } from "../views/key-view.js";
import { keyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";

export const showCommand = defineCommand({
  path: ["show"],
  summary: "Get a key's attributes and, if it's an asymmetric key, its public material.",
  options: keyIdOptions({ version: true, collection: "keys" }),
  examples: [
    { title: "Show the latest version of a key in the local emulated vault.", command: "kvkey show --vault-name demo --name mykey" },
    { title: "Show one version of a key by its full id.", command: "kvkey show --id https://demo.vault.localhost/keys/k/0123456789abcdef0123456789abcdef" },
    { title: "Show a key in Azure Key Vault.", command: "kvkey show --cloud AzureCloud --vault-name prod-kv --name signing" },
  ],
  parse: (raw) => idArgs(raw),
  async run(ids, ctx) {
    const { client, address } = await keyTarget(ctx, ids, { takesVersion: true });
    const key = await client.getKey(address.name, address.version ? { version: address.version } : {});
    return keyView(key);
  },
  tableView: keyTable,
});
