import type { KeyClient, KeyProperties } from "@azure/keyvault-keys";
import { defineCommand } from "../spec.js";
import { withListedAttributes } from "../../vault-client/list-items.js";
import { VAULT_ID_OPTIONS } from "../args/id-args.js";
import { threeState } from "../args/values.js";
import { keyItemView } from "../views/key-view.js";
import { keyListTable } from "../views/tables.js";
import { MAXRESULTS_OPTION, parseMaxResults } from "../args/common-options.js";
import { collect } from "../list-pages.js";
import { idArgs, vaultTarget } from "../args/key-target.js";

export const listCommand = defineCommand({
  path: ["list"],
  summary: "List keys in the specified Vault or HSM.",
  description:
    "Retrieve a list of the keys in the Vault or HSM as JSON Web Key structures that contain the public part of a stored key. Only the base key identifier, attributes, and tags are provided in the response; individual versions of a key are not listed.",
  options: [
    ...VAULT_ID_OPTIONS,
    MAXRESULTS_OPTION,
    {
      flags: "--include-managed [bool]",
      help: "Include managed keys.",
      choices: ["false", "true"],
      defaultText: "false",
    },
  ],
  examples: [
    { title: "List the keys of the local emulated vault 'demo'.", command: "kvkey list --vault-name demo" },
    { title: "List the names of enabled keys only.", command: "kvkey list --vault-name demo --query \"[?attributes.enabled].name\" -o tsv" },
    { title: "List keys in a Managed HSM in Azure.", command: "kvkey list --cloud AzureCloud --hsm-name myhsm" },
  ],
  parse(raw, { commandName }) {
    return {
      ids: idArgs(raw),
      max: parseMaxResults(raw),
      includeManaged: threeState(commandName, "--include-managed", raw.includeManaged as string | boolean | undefined) ?? false,
    };
  },
  async run(o, ctx) {
    const { client } = await vaultTarget(ctx, o.ids);
    const pages = (size: number) => listPages(client, size);
    const items = await collect(pages, o.max, (p) => o.includeManaged || !p.managed, ctx.counter((n) => `Listed ${n} keys...`));
    return items.map((p) => keyItemView(withListedAttributes(client, p)));
  },
  tableView: keyListTable,
});

function listPages(client: KeyClient, maxPageSize: number): AsyncIterableIterator<KeyProperties[]> {
  return client.listPropertiesOfKeys().byPage({ maxPageSize });
}
