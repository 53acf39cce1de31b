import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { KeyExportEncryptionAlgorithm } from "@azure/keyvault-keys";
import { defineCommand } from "../spec.js";
import { keyIdOptions } from "../args/id-args.js";
import { choice, isFile } from "../args/values.js";
import { UsageError } from "../errors.js";
import { DEFAULT_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAPS } from "../../shared/rsa-aes-key-wrap.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";

// Not an az command (az has none): secure key release. POST /keys/{name}/{version}/release with the
// attestation token of the environment the key goes to; the answer is a JWS signed by the HSM whose
// payload holds the key wrapped for the token's runtime key (key_hsm). Against the local emulator, make
// the token with `kvkey emulator attestation-token`.

export const releaseCommand = defineCommand({
  path: ["release"],
  summary: "Release an exportable key to an attested environment (secure key release).",
  description:
    "The key must be exportable and have a release policy; the attestation token must satisfy it. The result is {value}: a JWS signed by the " +
    "vault or HSM, whose payload response.key.key.key_hsm holds the key wrapped for the runtime key in the token (RSA-OAEP + AES key wrap with padding).",
  options: [
    ...keyIdOptions({ version: true, collection: "keys" }),
    { flags: "--target <token>", help: "The attestation token (JWT) of the release target, or a path to a file containing it.", required: true },
    { flags: "--nonce <nonce>", help: "A nonce for freshness, echoed in the signed answer." },
    { flags: "--enc <algorithm>", help: "How the released key is wrapped for the runtime key.", choices: RSA_AES_KEY_WRAPS, defaultText: DEFAULT_RSA_AES_KEY_WRAP },
  ],
  examples: [
    {
      title: "Release a key of the local emulated HSM to a runtime key, with a token from the emulator's attestation authority.",
      command:
        "TOKEN=$(kvkey emulator attestation-token --claim x-ms-compliance-status=azure-compliant-cvm --runtime-key tee.pub.pem) && kvkey release --hsm-name myhsm -n mykey --target \"$TOKEN\" --query value -o tsv",
    },
  ],
  parse(raw, { commandName, cwd }) {
    const target = rawString(raw, "target");
    if (target === undefined) throw new UsageError("the following arguments are required: --target");
    const path = resolve(cwd, target);
    const encText = rawString(raw, "enc");
    return {
      ids: idArgs(raw),
      target: isFile(path) ? readFileSync(path, "utf8").trim() : target,
      nonce: rawString(raw, "nonce"),
      enc: encText === undefined ? undefined : choice(commandName, "--enc", encText, RSA_AES_KEY_WRAPS),
    };
  },
  async run(o, ctx) {
    const { client, address } = await keyTarget(ctx, o.ids, { takesVersion: true });
    const result = await client.releaseKey(address.name, o.target, {
      ...(address.version ? { version: address.version } : {}),
      ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
      ...(o.enc !== undefined ? { algorithm: o.enc as KeyExportEncryptionAlgorithm } : {}),
    });
    return { value: result.value };
  },
});
