import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { idArgs, keyTarget } from "./shared.js";

export const purgeCommand = defineCommand({
  path: ["purge"],
  summary: "Permanently delete the specified key.",
  description: "The Purge Deleted Key operation is applicable for soft-delete enabled Vaults or HSMs. It is refused while the vault or HSM has purge protection.",
  options: keyIdOptions({ version: false, collection: "deletedkeys" }),
  examples: [
    { title: "Purge a deleted key for good (refused while the vault has purge protection).", command: "kvkey purge --vault-name demo --name mykey" },
  ],
  parse: (raw) => idArgs(raw),
  async run(ids, ctx) {
    const { client, address } = await keyTarget(ctx, ids, { collection: "deletedkeys" });
    await client.purgeDeletedKey(address.name);
    return undefined;
  },
});
