import { defineCommand } from "../spec.js";
import { withListedAttributes } from "../../vault-client/list-items.js";
import { keyIdOptions } from "../args/id-args.js";
import { keyItemView } from "../views/key-view.js";
import { keyVersionsTable } from "../views/tables.js";
import { MAXRESULTS_OPTION } from "../args/common-options.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { collect } from "../list-pages.js";
import { parseMaxResults } from "../args/common-options.js";

export const listVersionsCommand = defineCommand({
  path: ["list-versions"],
  summary: "List the identifiers and properties of a key's versions.",
  options: [...keyIdOptions({ version: false, collection: "keys" }), MAXRESULTS_OPTION],
  examples: [
    { title: "List every version of a key.", command: "kvkey list-versions --vault-name demo --name mykey" },
    { title: "Print the version ids only.", command: "kvkey list-versions --vault-name demo -n mykey --query \"[].kid\" -o tsv" },
    { title: "List the versions of a key in Azure Key Vault.", command: "kvkey list-versions --cloud AzureCloud --vault-name prod-kv --name signing" },
  ],
  parse: (raw) => ({ ids: idArgs(raw), max: parseMaxResults(raw) }),
  async run(o, ctx) {
    const { client, address } = await keyTarget(ctx, o.ids);
    const counter = ctx.counter((n) => `Listed ${n} versions...`);
    const items = await collect((size) => client.listPropertiesOfKeyVersions(address.name).byPage({ maxPageSize: size }), o.max, undefined, counter);
    return items.map((p) => keyItemView(withListedAttributes(client, p)));
  },
  tableView: keyVersionsTable,
});
