import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "../spec.js";
import { resolveKeyAddress } from "../args/id-args.js";
import { choice } from "../args/values.js";
import { CliError, UsageError, ValidationError } from "../errors.js";
import { VERSION } from "../version.js";
import { rawString } from "../args/raw.js";
import { DEFAULT_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAPS } from "../../shared/rsa-aes-key-wrap.js";
import { writeFailed } from "../output-file.js";

// Not an az command: makes the ".byok" key transfer blob that `import --byok-file` takes, the way an HSM
// vendor's BYOK tool would (see keyfiles/byok-blob.ts), from a local key and the vault's key exchange
// key. Meant for test data and emulator work: the key to transfer exists in clear where this runs.

export const byokBlobCommand = defineCommand({
  path: ["byok-blob"],
  summary: "Wrap a local private key for a key exchange key (KEK) into a BYOK transfer blob (.byok file).",
  description:
    "kvkey's stand-in for an HSM vendor's BYOK tool, for test data and the emulated vault: RSA-OAEP over a transient AES key " +
    "(SHA-1 for CKM_RSA_AES_KEY_WRAP, SHA-256/384 for RSA_AES_KEY_WRAP_256/384) and AES key wrap with padding (RFC 5649) over " +
    "the key (PKCS#8 for RSA and EC, raw bytes for oct). The key exchange key is an RSA-HSM key created with --ops import; its " +
    "public key comes from --kek-file (a PEM public key as `kvkey download` writes it, or JSON from `kvkey show`), or is " +
    "fetched from the vault by --kek-id. Import the result with `kvkey import --byok-file`. The key exists in clear where " +
    "this command runs: a real HSM-to-HSM transfer uses the HSM vendor's tool.",
  options: [
    { flags: "--key-file <path>", help: "The key to transfer: a PEM private key (RSA or EC, any format `import --pem-file` reads), a private JSON Web Key (RSA, EC, oct), or a raw AES key of 16, 24 or 32 bytes.", required: true },
    { flags: "--key-password <password>", help: "Password of an encrypted PEM --key-file." },
    { flags: "--kek-id <kid>", help: "Key identifier of the key exchange key, with its version (https://{vault}/keys/{name}/{version}). Optional when --kek-file is JSON that names it." },
    { flags: "--kek-file <path>", help: "The key exchange key's public key: PEM (or DER) SubjectPublicKeyInfo, or JSON (a JWK, or `kvkey show` output). Without it, the public key is fetched from the vault by --kek-id." },
    { flags: "--enc <enc>", help: "The key wrap mechanism (the blob's header.enc).", choices: RSA_AES_KEY_WRAPS, defaultText: DEFAULT_RSA_AES_KEY_WRAP },
    { flags: "-f, --file <path>", help: "The .byok file to write; it must not exist.", required: true },
  ],
  examples: [
    {
      title: "Wrap an openssl key for a key exchange key of the local vault 'demo', fetching the KEK's public key from the vault.",
      command: "kvkey byok-blob --kek-id https://demo.vault.localhost/keys/kek --key-file key.pem --file key.byok",
    },
    {
      title: "Wrap an EC key with RSA_AES_KEY_WRAP_256 for a KEK saved by `kvkey show` (the JSON names the KEK's id).",
      command: "kvkey show --vault-name demo -n kek > kek.json && kvkey byok-blob --kek-file kek.json --key-file ec.pem --enc RSA_AES_KEY_WRAP_256 -f ec.byok",
    },
    { title: "Wrap a 256-bit AES key for a Managed HSM's KEK.", command: "openssl rand -out aes.key 32 && kvkey byok-blob --kek-id https://myhsm.managedhsm.localhost/keys/kek --key-file aes.key -f aes.byok" },
  ],
  parse(raw, { commandName, cwd }) {
    const keyFile = rawString(raw, "keyFile");
    if (keyFile === undefined) throw new UsageError("the following arguments are required: --key-file");
    const file = rawString(raw, "file");
    if (file === undefined) throw new UsageError("the following arguments are required: --file/-f");
    const kekFile = rawString(raw, "kekFile");
    const kekId = rawString(raw, "kekId");
    if (kekFile === undefined && kekId === undefined) throw new ValidationError("Please specify --kek-id, --kek-file, or both.");
    const encText = rawString(raw, "enc");
    return {
      keyFile: resolve(cwd, keyFile),
      keyPassword: rawString(raw, "keyPassword"),
      kekFile: kekFile === undefined ? undefined : resolve(cwd, kekFile),
      kekId,
      enc: encText === undefined ? DEFAULT_RSA_AES_KEY_WRAP : choice(commandName, "--enc", encText, RSA_AES_KEY_WRAPS),
      file: resolve(cwd, file),
    };
  },
  async run(o, ctx) {
    if (existsSync(o.file)) throw new CliError(`File or directory named '${o.file}' already exists.`);
    const { KeyFileError } = await import("../keyfiles/key.js");
    const { kekFromFile, makeByokBlob, targetKeyFromFile } = await import("../keyfiles/byok-blob.js");
    try {
      const target = await targetKeyFromFile(readLocal(o.keyFile, "--key-file"), o.keyPassword, "--key-password");
      let kek: import("node:crypto").KeyObject;
      let kekId = o.kekId;
      if (o.kekFile !== undefined) {
        const fromFile = kekFromFile(readLocal(o.kekFile, "--kek-file"));
        kek = fromFile.key;
        kekId ??= fromFile.kid;
        if (kekId === undefined) throw new ValidationError("--kek-file holds no key identifier: give the KEK's versioned id with --kek-id.");
      } else {
        // The vault's KEK: its public key and versioned id, through the SDK like any other command.
        const address = resolveKeyAddress({ id: kekId! }, ctx.cloud, { collection: "keys", takesVersion: true });
        const client = await ctx.keyClient(address.vaultUrl);
        const found = await client.getKey(address.name, address.version ? { version: address.version } : {});
        if (!found.key?.n || !found.key.e) throw new ValidationError(`The key ${found.id ?? kekId} is not an RSA key; a key exchange key is RSA-HSM.`);
        const { createPublicKey } = await import("node:crypto");
        const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
        kek = createPublicKey({ key: { kty: "RSA", n: b64u(found.key.n), e: b64u(found.key.e) }, format: "jwk" });
        kekId = found.id ?? kekId!;
        if (found.keyOperations?.length !== 1 || found.keyOperations[0] !== "import") {
          ctx.warn(`The key ${kekId} has key_ops [${(found.keyOperations ?? []).join(", ")}]; the vault accepts only a key exchange key with key_ops exactly [import].`);
        }
      }
      const blob = makeByokBlob({ kek, kekId: kekId!, target, enc: o.enc, generator: `kvkey ${VERSION} byok-blob` });
      try {
        writeFileSync(o.file, JSON.stringify(blob, null, 2) + "\n", { mode: 0o600, flag: "wx" });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new CliError(`File or directory named '${o.file}' already exists.`);
        throw writeFailed(err, o.file, "the BYOK blob file");
      }
      const how = target.kty === "EC" ? `--kty EC --curve ${target.crv}` : target.kty === "oct" ? "--kty oct" : "--kty RSA";
      ctx.note(`Wrote a transfer blob for ${target.kty === "EC" ? `an EC key on ${target.crv}` : target.kty === "oct" ? `a ${target.k.length * 8}-bit AES key` : "an RSA key"} to ${o.file}; import it with: kvkey import ... --byok-file ${o.file} ${how}`);
      return undefined;
    } catch (err) {
      if (err instanceof KeyFileError) throw new ValidationError(`Cannot make the BYOK blob: ${err.message}`);
      throw err;
    }
  },
});

function readLocal(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot read ${flag} ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message}.`);
  }
}
