import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "../spec.js";
import { VAULT_ID_OPTIONS } from "../args/id-args.js";
import { CliError, ValidationError } from "../errors.js";
import { keyView } from "../views/key-view.js";
import { keyTable } from "../views/tables.js";
import { fsReason } from "../../shared/files.js";
import { idArgs, vaultTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";

const STORAGE_GROUP = "Storage Id Arguments";
const FOLDER_GROUP = "Restoring keys from storage account Arguments";

export const restoreCommand = defineCommand({
  path: ["restore"],
  summary: "Restore a backed up key to a Vault or HSM.",
  description:
    "The key is restored in its entirety, with its name, every version and the version identifiers. The restore is rejected if the name is in use (active or deleted) in the target.",
  options: [
    ...VAULT_ID_OPTIONS,
    { flags: "-f, --file <path>", help: "Local key backup from which to restore key." },
    { flags: "--no-wait", help: "Do not wait for the long-running operation to finish (storage-account restores only)." },
    { flags: "-u, --storage-resource-uri <uri>", help: "Azure Blob storage container Uri. If specified, all other 'Storage Id' arguments should be omitted.", group: STORAGE_GROUP },
    { flags: "--storage-account-name <name>", help: "Name of Azure Storage Account.", group: STORAGE_GROUP },
    { flags: "--blob-container-name <name>", help: "Name of Blob Container.", group: STORAGE_GROUP },
    { flags: "-t, --storage-container-SAS-token <token>", help: "The SAS token pointing to an Azure Blob storage container.", group: FOLDER_GROUP },
    { flags: "--backup-folder <folder>", help: "Name of the blob container which contains the backup.", group: FOLDER_GROUP },
    { flags: "-n, --name <name>", help: "Name of the key. (Only for restoring from storage account)", group: FOLDER_GROUP },
  ],
  examples: [
    { title: "Restore a key from a backup file into the local vault 'demo'.", command: "kvkey restore --vault-name demo --file mykey.backup" },
    { title: "Restore a backup into an Azure Key Vault.", command: "kvkey restore --cloud AzureCloud --vault-name prod-kv --file wrapping.backup" },
  ],
  parse(raw, { cwd }) {
    const file = rawString(raw, "file");
    const storageGiven = ["storageResourceUri", "storageAccountName", "blobContainerName", "storageContainerSASToken", "backupFolder"].some(
      (k) => raw[k] !== undefined,
    );
    if (file === undefined && !storageGiven) {
      throw new ValidationError(
        "Please specify --file/-f or --storage-account-name & --blob-container-name & --storage-container-SAS-token & --backup-folder",
      );
    }
    if (file !== undefined && storageGiven) {
      throw new ValidationError(
        "Do not use --file/-f with any of --storage-account-name/--blob-container-name/--storage-container-SAS-token/--backup-folder",
      );
    }
    if (file !== undefined && raw.name !== undefined) throw new ValidationError("Please do not specify --name/-n when using --file/-f");
    if (file !== undefined && raw.wait === false) throw new ValidationError("Please do not specify --no-wait when using --file/-f");
    if (file === undefined) {
      throw new ValidationError(
        "Selective key restore from a storage account (Managed HSM full backups) is not supported by kvkey; restore from a key backup file with --file/-f.",
      );
    }
    const ids = idArgs(raw);
    delete ids.name;
    return { ids, file: resolve(cwd, file) };
  },
  async run(o, ctx) {
    // The target first, as az validates its arguments before it opens the file.
    const { client } = await vaultTarget(ctx, o.ids);
    let blob: Buffer;
    try {
      blob = readFileSync(o.file);
    } catch (err) {
      throw new CliError(`Cannot read the backup file ${o.file}: ${fsReason(err)}.`);
    }
    return keyView(await client.restoreKeyBackup(blob));
  },
  tableView: keyTable,
});
