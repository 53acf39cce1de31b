import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { KeyVaultKey } from "@azure/keyvault-keys";
import { defineCommand, type OptionSpec } from "../spec.js";
import { CliError } from "../errors.js";
import { keyView } from "../views/key-view.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";
import { checkOutputPath, writeFailed } from "../output-file.js";

// az keyvault key get-attestation (Managed HSM; azure-cli PR #31427): the key with its attestation,
// `attributes.attestation` = {certificatePemFile, privateKeyAttestation, publicKeyAttestation, version}.
// The certificate chain is printed as PEM text, the attestation blobs as standard base64 (az prints
// bytes that way). In the emulator each blob is a DER CMS SignedData over a JSON statement, signed by
// the emulated HSM's chain: `openssl cms -verify -inform DER -CAfile root.pem -purpose any`.

const ID_GROUP = "Id Arguments";
const OPTIONS: readonly OptionSpec[] = [
  { flags: "--hsm-name <name>", help: "Name of the HSM.", group: ID_GROUP, complete: "hsm-names" },
  { flags: "--id <id>", help: "Id of the key. If specified all other 'Id' arguments should be omitted.", group: ID_GROUP },
  { flags: "-n, --name <name>", help: "Name of the key. Required if --id is not specified.", group: ID_GROUP, complete: "key-names" },
  { flags: "-v, --version <version>", help: "The key version. If omitted, uses the latest version.", group: ID_GROUP },
  { flags: "-f, --file <path>", help: "File to receive the attestation (JSON); it must not exist. Nothing is printed then." },
];

function attestationView(key: KeyVaultKey): Record<string, unknown> {
  const view = keyView(key);
  const a = key.properties.attestation;
  const b64 = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString("base64") : null);
  (view.attributes as Record<string, unknown>).attestation = a
    ? {
        certificatePemFile: a.certificatePemFile ? Buffer.from(a.certificatePemFile).toString("utf8") : null,
        privateKeyAttestation: b64(a.privateKeyAttestation),
        publicKeyAttestation: b64(a.publicKeyAttestation),
        version: a.version ?? null,
      }
    : null;
  return view;
}

export const getAttestationCommand = defineCommand({
  path: ["get-attestation"],
  summary: "Get a key's attestation blob (Managed HSM).",
  description:
    "The key with attributes.attestation: the certificate chain (PEM) that signed the attestation and the private and public key attestation blobs. " +
    "In the emulated HSM each blob is a CMS SignedData (DER) over a JSON statement about the key, verifiable with openssl against the chain's root.",
  options: OPTIONS,
  examples: [
    { title: "Show the attestation of a key's latest version.", command: "kvkey get-attestation --hsm-name myhsm -n mykey" },
    { title: "Save it to a file.", command: "kvkey get-attestation --hsm-name myhsm -n mykey -f attestation.json" },
    {
      title: "Verify the public key attestation with openssl (emulated HSM): the chain's root is the trust anchor.",
      command:
        "kvkey get-attestation --hsm-name myhsm -n mykey --query attributes.attestation.certificatePemFile -o tsv > chain.pem && " +
        "kvkey get-attestation --hsm-name myhsm -n mykey --query attributes.attestation.publicKeyAttestation -o tsv | base64 -d > pub.der && " +
        "openssl cms -verify -inform DER -in pub.der -CAfile chain.pem -purpose any",
    },
  ],
  parse(raw, { cwd }) {
    const file = rawString(raw, "file");
    return { ids: idArgs(raw), file: file === undefined ? undefined : resolve(cwd, file) };
  },
  async run(o, ctx) {
    if (o.file !== undefined && existsSync(o.file)) throw new CliError(`File or directory named '${o.file}' already exists.`);
    if (o.file !== undefined) checkOutputPath(o.file, "the attestation file");
    const { client, address } = await keyTarget(ctx, o.ids, { takesVersion: true });
    const key = await client.getKeyAttestation(address.name, address.version ? { version: address.version } : {});
    const view = attestationView(key);
    if (o.file === undefined) return view;
    try {
      writeFileSync(o.file, JSON.stringify(view, null, 2) + "\n", { flag: "wx" });
    } catch (err) {
      throw writeFailed(err, o.file, "the attestation file");
    }
    return undefined;
  },
});
