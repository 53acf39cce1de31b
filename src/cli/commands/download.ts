import type { JsonWebKey as NodeJwk } from "node:crypto";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { JsonWebKey } from "@azure/keyvault-keys";
import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { ValidationError } from "../errors.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";
import { CRYPTO_ID_OPTIONS } from "../args/crypto-target.js";
import { requireArgs } from "../args/crypto.js";
import { checkOutputPath, writeFailed } from "../output-file.js";

const ENCODINGS = ["PEM", "DER"] as const;

/** Key Vault's curve names -> node's JWK curve names. */
const NODE_CURVE: Record<string, string> = { "P-256": "P-256", "P-384": "P-384", "P-521": "P-521", "P-256K": "secp256k1", SECP256K1: "secp256k1" };

export const downloadCommand = defineCommand({
  path: ["download"],
  summary: "Download the public part of a stored key.",
  description: "Writes the public key as a SubjectPublicKeyInfo (PEM or DER), for RSA and EC keys; never private material.",
  options: [
    ...CRYPTO_ID_OPTIONS,
    { flags: "-f, --file <path>", help: "File to receive the key contents.", required: true },
    { flags: "-e, --encoding <encoding>", help: "Encoding of the key, default: PEM.", choices: ENCODINGS, defaultText: "PEM" },
  ],
  examples: [
    { title: "Save the public key as PEM, to verify signatures with openssl.", command: "kvkey download --vault-name demo -n signing -f signing.pub.pem" },
    { title: "Save one version's public key as DER.", command: "kvkey download --vault-name demo -n signing --version 0123456789abcdef0123456789abcdef -f signing.der -e DER" },
  ],
  parse(raw, { commandName, cwd }) {
    const { file } = requireArgs(raw, [["file", "--file/-f"]] as const);
    const encodingText = rawString(raw, "encoding");
    return {
      ids: idArgs(raw),
      file,
      path: resolve(cwd, file),
      encoding: encodingText === undefined ? "PEM" : choice(commandName, "--encoding", encodingText, ENCODINGS),
    };
  },
  async run(o, ctx) {
    const { client, address } = await keyTarget(ctx, o.ids, { takesVersion: true });
    // As az: checked before the key is fetched, naming the path as the user typed it.
    if (existsSync(o.path)) throw new ValidationError(`File or directory named '${o.file}' already exists.`);
    checkOutputPath(o.path, "the public key file");
    const key = await client.getKey(address.name, address.version ? { version: address.version } : {});
    const { createPublicKey } = await import("node:crypto");
    const spki = createPublicKey({ key: publicJwk(key.key), format: "jwk" });
    const bytes = o.encoding === "PEM" ? spki.export({ type: "spki", format: "pem" }) : spki.export({ type: "spki", format: "der" });
    try {
      // "wx": never replace a file that appeared since the check above.
      writeFileSync(o.path, bytes, { flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new ValidationError(`File or directory named '${o.file}' already exists.`);
      rmSync(o.path, { force: true });
      throw writeFailed(err, o.path, "the public key file");
    }
    return undefined;
  },
});

/** The public members only, whatever else the JWK holds. */
function publicJwk(jwk: JsonWebKey | undefined): NodeJwk {
  const kty = jwk?.kty ?? "unknown";
  const b64u = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString("base64url");
  if ((kty === "RSA" || kty === "RSA-HSM") && jwk?.n && jwk.e) return { kty: "RSA", n: b64u(jwk.n), e: b64u(jwk.e) };
  if ((kty === "EC" || kty === "EC-HSM") && jwk?.x && jwk.y && jwk.crv && NODE_CURVE[jwk.crv]) {
    return { kty: "EC", crv: NODE_CURVE[jwk.crv], x: b64u(jwk.x), y: b64u(jwk.y) };
  }
  throw new ValidationError(`Unsupported key type: ${kty}. (Supported key types: RSA, RSA-HSM, EC, EC-HSM)`);
}
