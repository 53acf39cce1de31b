import { defineCommand } from "../spec.js";
import { withListedAttributes } from "../../vault-client/list-items.js";
import { VAULT_ID_OPTIONS } from "../args/id-args.js";
import { deletedKeyItemView } from "../views/key-view.js";
import { deletedKeyListTable } from "../views/tables.js";
import { MAXRESULTS_OPTION } from "../args/common-options.js";
import { idArgs, vaultTarget } from "../args/key-target.js";
import { collect } from "../list-pages.js";
import { parseMaxResults } from "../args/common-options.js";

export const listDeletedCommand = defineCommand({
  path: ["list-deleted"],
  summary: "List the deleted keys in the specified Vault or HSM.",
  options: [...VAULT_ID_OPTIONS, MAXRESULTS_OPTION],
  examples: [
    { title: "List deleted keys that can still be recovered or purged.", command: "kvkey list-deleted --vault-name demo" },
    { title: "Show when each deleted key will be purged.", command: "kvkey list-deleted --vault-name demo -o table" },
    { title: "List the deleted keys of an Azure Key Vault.", command: "kvkey list-deleted --cloud AzureCloud --vault-name prod-kv" },
  ],
  parse: (raw) => ({ ids: idArgs(raw), max: parseMaxResults(raw) }),
  async run(o, ctx) {
    const { client } = await vaultTarget(ctx, o.ids);
    const counter = ctx.counter((n) => `Listed ${n} deleted keys...`);
    const items = await collect((size) => client.listDeletedKeys().byPage({ maxPageSize: size }), o.max, undefined, counter);
    return items.map((k) => deletedKeyItemView(withListedAttributes(client, k.properties)));
  },
  tableView: deletedKeyListTable,
});
