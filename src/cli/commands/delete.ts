import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { deletedKeyView } from "../views/key-view.js";
import { deletedKeyTable } from "../views/tables.js";
import { YES_OPTION } from "../args/common-options.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { endpointFor } from "../../vault-client/endpoint.js";

/** az's words, in two lines: the link stands on a line of its own, unprefixed. */
export const SOFT_DELETE_WARNING = [
  "Warning! If you have soft-delete protection enabled on this key vault, this key will be moved to the soft deleted state. " +
  "You will not be able to create a key with the same name within this key vault until the key has been purged from the soft-deleted state. " +
  "Please see the following documentation for additional guidance.",
  "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview",
];

export const deleteCommand = defineCommand({
  path: ["delete"],
  summary: "Delete a key of any type from storage in Vault or HSM.",
  description:
    "The delete key operation cannot be used to remove individual versions of a key. This operation removes the cryptographic material associated with the key, which means the key is not usable for Sign/Verify, Wrap/Unwrap or Encrypt/Decrypt operations.",
  options: [...keyIdOptions({ version: false, collection: "keys" }), YES_OPTION],
  examples: [
    { title: "Delete a key (it stays recoverable until its scheduled purge date).", command: "kvkey delete --vault-name demo --name mykey" },
    { title: "Delete without the question kvkey asks on a terminal.", command: "kvkey delete --vault-name demo --name mykey --yes" },
    { title: "Delete a key in a Managed HSM by id.", command: "kvkey delete --id https://myhsm.managedhsm.localhost/keys/aes" },
    { title: "Delete a key in Azure Key Vault by its id (the host picks Azure).", command: "kvkey delete --id https://prod-kv.vault.azure.net/keys/old-signing --yes" },
  ],
  parse: (raw) => ({ ...idArgs(raw), yes: raw.yes === true }),
  async run({ yes, ...ids }, ctx) {
    const { client, address } = await keyTarget(ctx, ids);
    // az's rule (set_vault_base_url): the warning is printed unless an HSM was named as such, by
    // --hsm-name (or the configured default HSM); a Managed HSM's key id given with --id still gets it.
    const namedHsm = ids.hsmName !== undefined || (ids.id === undefined && ids.vaultName === undefined && endpointFor(address.vaultUrl).managedHsm);
    if (!namedHsm) ctx.warn(SOFT_DELETE_WARNING);
    await ctx.confirm(`Are you sure you want to delete the key '${address.name}' from ${new URL(address.vaultUrl).host}?`, yes);
    const poller = await client.beginDeleteKey(address.name);
    // The SDK then polls GET /deletedkeys/{name} until the deleted key shows. The emulator deletes at
    // once and its DELETE answer is the deleted key; polling could only wait forever, when another
    // process recovers or purges the key in between (issue 9's concurrency suite did exactly that).
    if (!poller.isDone() && endpointFor(address.vaultUrl).transport !== "azure") return deletedKeyView(poller.getResult()!);
    return deletedKeyView(await poller.pollUntilDone());
  },
  tableView: deletedKeyTable,
});
