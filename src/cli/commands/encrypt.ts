import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { encryptView } from "../views/crypto-view.js";
import { idArgs } from "../args/key-target.js";
import { rawString } from "../args/raw.js";
import { CBC_ALGORITHMS, ENCRYPTION_ALGORITHMS, base64Arg, hexArg, requireArgs } from "../args/crypto.js";
import { ALGORITHM_FLAGS, CRYPTO_ID_OPTIONS, PREVIEW_WARNING, cryptoTarget } from "../args/crypto-target.js";
import { cryptoResultTable } from "../views/tables.js";

const DATA_TYPES = ["base64", "plaintext"] as const;

export const encryptCommand = defineCommand({
  path: ["encrypt"],
  preview: true,
  summary: "Encrypt an arbitrary sequence of bytes using an encryption key that is stored in a Vault or HSM.",
  description:
    "The vault does the encryption, RSA included (az and the SDKs encrypt RSA locally with the public key), so the vault's key_ops, enabled state and validity window decide. For AES-CBC without --iv, kvkey sends 16 random bytes as the IV and prints them: Managed HSM requires the caller's IV.",
  options: [
    ...CRYPTO_ID_OPTIONS,
    { flags: ALGORITHM_FLAGS, help: "Algorithm identifier.", choices: ENCRYPTION_ALGORITHMS, required: true },
    { flags: "--value <value>", help: "The value to be encrypted. Default data type is Base64 encoded string.", required: true },
    { flags: "--data-type <type>", help: "The type of the original data.", choices: DATA_TYPES, defaultText: "base64" },
    { flags: "--iv <hex>", help: "Initialization vector. Required for and only used in AES-CBC (kvkey makes a random one when omitted); A*GCM accepts a 12-byte one. Hex." },
    { flags: "--aad <hex>", help: "Additional data to authenticate but not encrypt. Only used in AES-GCM encryption. Hex." },
  ],
  examples: [
    { title: "Encrypt a short text with RSA-OAEP-256.", command: "kvkey encrypt --vault-name demo -n mykey -a RSA-OAEP-256 --value 'hello' --data-type plaintext" },
    { title: "Encrypt base64 data with an AES-256 key in a Managed HSM, with additional authenticated data.", command: "kvkey encrypt --hsm-name myhsm -n aes -a A256GCM --value AAECAwQ= --aad 0a0b0c" },
  ],
  parse(raw, { commandName }) {
    const { algorithm: algorithmText, value } = requireArgs(raw, [["algorithm", "--algorithm/-a"], ["value", "--value"]] as const);
    const algorithm = choice(commandName, "--algorithm", algorithmText, ENCRYPTION_ALGORITHMS);
    const dataTypeText = rawString(raw, "dataType");
    const dataType = dataTypeText === undefined ? "base64" : choice(commandName, "--data-type", dataTypeText, DATA_TYPES);
    return {
      ids: idArgs(raw),
      algorithm,
      plaintext: dataType === "base64" ? base64Arg("--value", value) : Buffer.from(value, "utf8"),
      ivHex: rawString(raw, "iv"),
      aadHex: rawString(raw, "aad"),
    };
  },
  async run(o, ctx) {
    ctx.warn(PREVIEW_WARNING);
    const iv = hexArg("--iv", o.ivHex);
    const aad = hexArg("--aad", o.aadHex);
    const { ops, address, keyId } = await cryptoTarget(ctx, o.ids);
    // Managed HSM refuses AES-CBC without an IV; az (through the SDK) would fail, kvkey makes one.
    const ivUsed = iv ?? (CBC_ALGORITHMS.has(o.algorithm) ? (await import("node:crypto")).randomBytes(16) : undefined);
    const result = await ops.encrypt(address.name, address.version ?? "", {
      algorithm: o.algorithm,
      value: o.plaintext,
      ...(ivUsed ? { iv: ivUsed } : {}),
      ...(aad ? { aad } : {}),
    });
    return encryptView({
      algorithm: o.algorithm,
      kid: result.kid ?? keyId,
      result: result.result,
      iv: result.iv ?? ivUsed,
      tag: result.authenticationTag,
      aad: result.additionalAuthenticatedData ?? aad,
    });
  },
  tableView: cryptoResultTable,
});
