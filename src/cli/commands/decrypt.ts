import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { ValidationError } from "../errors.js";
import { decryptView } from "../views/crypto-view.js";
import { idArgs } from "../args/key-target.js";
import { rawString } from "../args/raw.js";
import { ENCRYPTION_ALGORITHMS, base64Arg, hexArg, requireArgs } from "../args/crypto.js";
import { ALGORITHM_FLAGS, CRYPTO_ID_OPTIONS, PREVIEW_WARNING, cryptoTarget } from "../args/crypto-target.js";
import { cryptoResultTable } from "../views/tables.js";

const DATA_TYPES = ["base64", "plaintext"] as const;

export const decryptCommand = defineCommand({
  path: ["decrypt"],
  preview: true,
  summary: "Decrypt a single block of encrypted data.",
  options: [
    ...CRYPTO_ID_OPTIONS,
    { flags: ALGORITHM_FLAGS, help: "Algorithm identifier.", choices: ENCRYPTION_ALGORITHMS, required: true },
    { flags: "--value <value>", help: "The value to be decrypted, which should be the result of \"kvkey encrypt\" (standard base64).", required: true },
    { flags: "--data-type <type>", help: "The type of the original data: how to print the decrypted result.", choices: DATA_TYPES, defaultText: "base64" },
    { flags: "--iv <hex>", help: "The initialization vector used during encryption. Required for AES decryption. Hex." },
    { flags: "--tag <hex>", help: "The authentication tag generated during encryption. Required for only AES-GCM decryption. Hex." },
    { flags: "--aad <hex>", help: "Optional data that is authenticated but not encrypted. For use with AES-GCM decryption. Hex." },
  ],
  examples: [
    { title: "Decrypt an RSA-OAEP-256 ciphertext and print the plaintext as text.", command: "kvkey decrypt --vault-name demo -n mykey -a RSA-OAEP-256 --value \"$CIPHERTEXT\" --data-type plaintext" },
    { title: "Decrypt AES-GCM data from a Managed HSM with the iv, tag and aad that encrypt printed.", command: "kvkey decrypt --hsm-name myhsm -n aes -a A256GCM --value \"$RESULT\" --iv \"$IV\" --tag \"$TAG\" --aad 0a0b0c" },
  ],
  parse(raw, { commandName }) {
    const { algorithm: algorithmText, value } = requireArgs(raw, [["algorithm", "--algorithm/-a"], ["value", "--value"]] as const);
    const algorithm = choice(commandName, "--algorithm", algorithmText, ENCRYPTION_ALGORITHMS);
    const dataTypeText = rawString(raw, "dataType");
    return {
      ids: idArgs(raw),
      algorithm,
      ciphertext: base64Arg("--value", value),
      dataType: dataTypeText === undefined ? "base64" : choice(commandName, "--data-type", dataTypeText, DATA_TYPES),
      ivHex: rawString(raw, "iv"),
      tagHex: rawString(raw, "tag"),
      aadHex: rawString(raw, "aad"),
    };
  },
  async run(o, ctx) {
    ctx.warn(PREVIEW_WARNING);
    const iv = hexArg("--iv", o.ivHex);
    const tag = hexArg("--tag", o.tagHex);
    const aad = hexArg("--aad", o.aadHex);
    const { ops, address, keyId } = await cryptoTarget(ctx, o.ids);
    const result = await ops.decrypt(address.name, address.version ?? "", {
      algorithm: o.algorithm,
      value: o.ciphertext,
      ...(iv ? { iv } : {}),
      ...(tag ? { tag } : {}),
      ...(aad ? { aad } : {}),
    });
    const view = { algorithm: o.algorithm, kid: result.kid ?? keyId, result: result.result };
    return decryptView(o.dataType === "plaintext" ? { ...view, text: utf8(result.result) } : view);
  },
  tableView: cryptoResultTable,
});

/** az prints `plaintext` results as text; bytes that are not UTF-8 cannot be, and are never echoed. */
function utf8(bytes: Uint8Array | undefined): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes ?? new Uint8Array());
  } catch {
    throw new ValidationError("The decrypted data is not UTF-8 text; use --data-type base64 to get it as base64.");
  }
}
