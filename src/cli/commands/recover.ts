import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { keyView } from "../views/key-view.js";
import { keyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { ServiceError } from "../errors.js";
import { odataText } from "../error-report.js";
import { endpointFor } from "../../vault-client/endpoint.js";

export const recoverCommand = defineCommand({
  path: ["recover"],
  summary: "Recover the deleted key to its latest version.",
  description:
    "The Recover Deleted Key operation is applicable for deleted keys in soft-delete enabled Vaults or HSMs. It recovers the deleted key back to its latest version under /keys.",
  options: keyIdOptions({ version: false, collection: "deletedkeys" }),
  examples: [
    { title: "Recover a deleted key.", command: "kvkey recover --vault-name demo --name mykey" },
    { title: "Recover a deleted key by its recovery id.", command: "kvkey recover --id https://demo.vault.localhost/deletedkeys/mykey" },
    { title: "Recover a deleted key in Azure Key Vault.", command: "kvkey recover --cloud AzureCloud --vault-name prod-kv --name signing" },
  ],
  parse: (raw) => idArgs(raw),
  async run(ids, ctx) {
    const { client, address } = await keyTarget(ctx, ids, { collection: "deletedkeys" });
    const poller = await client.beginRecoverDeletedKey(address.name);
    // The SDK's poller reads the key first and, when it is active, reports it recovered without asking
    // the vault to recover anything. az sends the recover and gets the service's 404: so does kvkey.
    if (!poller.getOperationState().isStarted) {
      throw new ServiceError(odataText("KeyNotFound", `Deleted Key not found: ${address.name}`), 404, "KeyNotFound");
    }
    // As for delete: the emulator recovers at once (its answer is the key), and polling GET /keys/{name}
    // could wait forever if another process deletes the key again meanwhile.
    if (!poller.isDone() && endpointFor(address.vaultUrl).transport !== "azure") return keyView(poller.getResult()!);
    return keyView(await poller.pollUntilDone());
  },
  tableView: keyTable,
});
