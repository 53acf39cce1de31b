import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { keyView } from "../views/key-view.js";
import { keyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";

export const rotateCommand = defineCommand({
  path: ["rotate"],
  summary: "Rotate the key based on the key policy by generating a new version of the key.",
  description:
    "The new version has the latest version's type, size or curve, operations and tags, and the expiry the rotation policy sets. " +
    "A Managed HSM rotates on demand only once the key has a rotation policy.",
  options: keyIdOptions({ version: false, collection: "keys" }),
  examples: [
    { title: "Rotate a key in the local emulated vault.", command: "kvkey rotate --vault-name demo -n mykey" },
    { title: "Rotate a Managed HSM key (set its rotation policy first).", command: "kvkey rotate --hsm-name myhsm -n mykey" },
  ],
  parse: (raw) => idArgs(raw),
  async run(ids, ctx) {
    const { client, address } = await keyTarget(ctx, ids);
    return keyView(await client.rotateKey(address.name));
  },
  tableView: keyTable,
});
