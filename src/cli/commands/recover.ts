import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { keyView } from "../views/key-view.js";
import { keyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "./shared.js";

export const recoverCommand = defineCommand({
  path: ["recover"],
  summary: "Recover the deleted key to its latest version.",
  description:
    "The Recover Deleted Key operation is applicable for deleted keys in soft-delete enabled Vaults or HSMs. It recovers the deleted key back to its latest version under /keys.",
  options: keyIdOptions({ version: false, collection: "deletedkeys" }),
  examples: [
    { title: "Recover a deleted key.", command: "kvkey recover --vault-name demo --name mykey" },
    { title: "Recover a deleted key by its recovery id.", command: "kvkey recover --id https://demo.vault.localhost/deletedkeys/mykey" },
  ],
  parse: (raw) => idArgs(raw),
  async run(ids, ctx) {
    const { client, address } = await keyTarget(ctx, ids, { collection: "deletedkeys" });
    const poller = await client.beginRecoverDeletedKey(address.name);
    return keyView(await poller.pollUntilDone());
  },
  tableView: keyTable,
});
