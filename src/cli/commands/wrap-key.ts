import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { encryptView } from "../views/crypto-view.js";
import { idArgs } from "../args/key-target.js";
import { WRAP_ALGORITHMS, base64Arg, requireArgs } from "../args/crypto.js";
import { ALGORITHM_FLAGS, CRYPTO_ID_OPTIONS, cryptoTarget } from "../args/crypto-target.js";
import { cryptoResultTable } from "../views/tables.js";

// Not an az command: the REST API's wrapKey, with encrypt's flags and output shape.

export const wrapKeyCommand = defineCommand({
  path: ["wrap-key"],
  summary: "Wrap (encrypt) a symmetric key with a key-encryption key stored in a Vault or HSM.",
  description:
    "kvkey only (az has no wrap command). RSA keys wrap with RSA1_5/RSA-OAEP/RSA-OAEP-256; AES keys in a Managed HSM with A*KW (RFC 3394), CKM_AES_KEY_WRAP and CKM_AES_KEY_WRAP_PAD (RFC 5649). The vault does the wrapping, RSA included. Output as encrypt's.",
  options: [
    ...CRYPTO_ID_OPTIONS,
    { flags: ALGORITHM_FLAGS, help: "Key-wrap algorithm identifier.", choices: WRAP_ALGORITHMS, required: true },
    { flags: "--value <value>", help: "The key to wrap, in standard base64 (base64url is accepted too).", required: true },
  ],
  examples: [
    { title: "Wrap a fresh 256-bit data key with an RSA key.", command: "kvkey wrap-key --vault-name demo -n kek -a RSA-OAEP-256 --value \"$(openssl rand -base64 32)\"" },
    { title: "Wrap a data key with an AES key in a Managed HSM (RFC 3394).", command: "kvkey wrap-key --hsm-name myhsm -n aes-kek -a A256KW --value \"$DATA_KEY\"" },
  ],
  parse(raw, { commandName }) {
    const { algorithm: algorithmText, value } = requireArgs(raw, [["algorithm", "--algorithm/-a"], ["value", "--value"]] as const);
    return { ids: idArgs(raw), algorithm: choice(commandName, "--algorithm", algorithmText, WRAP_ALGORITHMS), key: base64Arg("--value", value) };
  },
  async run(o, ctx) {
    const { ops, address, keyId } = await cryptoTarget(ctx, o.ids);
    const result = await ops.wrapKey(address.name, address.version ?? "", { algorithm: o.algorithm, value: o.key });
    return encryptView({ algorithm: o.algorithm, kid: result.kid ?? keyId, result: result.result });
  },
  tableView: cryptoResultTable,
});
