import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { decryptView } from "../views/crypto-view.js";
import { idArgs } from "../args/key-target.js";
import { WRAP_ALGORITHMS, base64Arg, requireArgs } from "../args/crypto.js";
import { ALGORITHM_FLAGS, CRYPTO_ID_OPTIONS, cryptoTarget } from "../args/crypto-target.js";
import { cryptoResultTable } from "../views/tables.js";

// Not an az command: the REST API's unwrapKey, with decrypt's flags and output shape.

export const unwrapKeyCommand = defineCommand({
  path: ["unwrap-key"],
  summary: "Unwrap a symmetric key with the key-encryption key in a Vault or HSM that wrapped it.",
  description: "kvkey only (az has no unwrap command). The reverse of wrap-key; allowed even outside the key's validity window, as decrypt is. Output as decrypt's, the key in standard base64.",
  options: [
    ...CRYPTO_ID_OPTIONS,
    { flags: ALGORITHM_FLAGS, help: "Key-wrap algorithm identifier.", choices: WRAP_ALGORITHMS, required: true },
    { flags: "--value <value>", help: "The wrapped key, the result of \"kvkey wrap-key\" (standard base64; base64url is accepted too).", required: true },
  ],
  examples: [
    { title: "Unwrap a data key wrapped with RSA-OAEP-256.", command: "kvkey unwrap-key --vault-name demo -n kek -a RSA-OAEP-256 --value \"$WRAPPED\" --query result -o tsv" },
  ],
  parse(raw, { commandName }) {
    const { algorithm: algorithmText, value } = requireArgs(raw, [["algorithm", "--algorithm/-a"], ["value", "--value"]] as const);
    return { ids: idArgs(raw), algorithm: choice(commandName, "--algorithm", algorithmText, WRAP_ALGORITHMS), wrapped: base64Arg("--value", value) };
  },
  async run(o, ctx) {
    const { ops, address, keyId } = await cryptoTarget(ctx, o.ids);
    const result = await ops.unwrapKey(address.name, address.version ?? "", { algorithm: o.algorithm, value: o.wrapped });
    return decryptView({ algorithm: o.algorithm, kid: result.kid ?? keyId, result: result.result });
  },
  tableView: cryptoResultTable,
});
