import { resolve } from "node:path";
import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { CliError, UsageError } from "../errors.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";
import { checkOutputPath, writePrivateFile } from "../output-file.js";

export const backupCommand = defineCommand({
  path: ["backup"],
  summary: "Request that a backup of the specified key be downloaded to the client.",
  description:
    "The backup holds every version of the key, sealed so that it can be restored only into a Vault or HSM of the same security domain (locally: a data directory with the same security-domain.json).",
  options: [
    ...keyIdOptions({ version: false, collection: "keys" }),
    { flags: "-f, --file <path>", help: "Local file path in which to store key backup.", required: true },
  ],
  examples: [
    { title: "Back up every version of a key to a file.", command: "kvkey backup --vault-name demo --name mykey --file mykey.backup" },
    { title: "Back up a key in Azure Key Vault (the backup restores only into the same Azure geography).", command: "kvkey backup --cloud AzureCloud --vault-name prod-kv --name wrapping --file wrapping.backup" },
  ],
  parse(raw, { cwd }) {
    const file = rawString(raw, "file");
    if (file === undefined) throw new UsageError("the following arguments are required: --file/-f");
    return { ids: idArgs(raw), file: resolve(cwd, file) };
  },
  async run(o, ctx) {
    // A directory that does not exist is refused before the vault is asked (az would ask, then fail).
    checkOutputPath(o.file, "the backup file");
    const { client, address } = await keyTarget(ctx, o.ids);
    const blob = await client.backupKey(address.name);
    if (!blob) throw new CliError(`The vault returned no backup for key '${address.name}'.`);
    // The blob is sealed by the vault; 0600 keeps it as private as the key it protects, also when an
    // older file is overwritten, and it is written whole or not at all.
    writePrivateFile(o.file, blob, "the backup file");
    return undefined;
  },
});
