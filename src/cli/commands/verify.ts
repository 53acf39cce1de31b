import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { verifyView } from "../views/crypto-view.js";
import { idArgs } from "../args/key-target.js";
import { SIGNATURE_ALGORITHMS, base64Arg, requireArgs } from "../args/crypto.js";
import { DIGEST_OPTIONS, digestArg } from "../args/digest.js";
import { ALGORITHM_FLAGS, CRYPTO_ID_OPTIONS, cryptoTarget } from "../args/crypto-target.js";
import { cryptoResultTable } from "../views/tables.js";

export const verifyCommand = defineCommand({
  path: ["verify"],
  summary: "Verify a signature using the key that was used to sign a digest.",
  description:
    "The vault verifies (the SDKs verify RS*/PS* locally); allowed even outside the key's validity window. Give the digest with --digest, or let kvkey hash --data or --file with the algorithm's hash.",
  options: [
    ...CRYPTO_ID_OPTIONS,
    { flags: ALGORITHM_FLAGS, help: "Algorithm identifier.", choices: SIGNATURE_ALGORITHMS, required: true },
    ...DIGEST_OPTIONS,
    { flags: "--signature <signature>", help: "The signature to be verified, in standard base64 (base64url is accepted too).", required: true },
  ],
  examples: [
    { title: "Verify a signature over a file's SHA-256 digest.", command: "kvkey verify --vault-name demo -n signing -a ES256 --digest \"$(openssl dgst -sha256 -binary release.tar.gz | base64)\" --signature \"$SIG\"" },
    { title: "Let kvkey hash the file, and print only the verdict.", command: "kvkey verify --vault-name demo -n rsa -a PS512 --file release.tar.gz --signature \"$SIG\" --query isValid" },
  ],
  parse(raw, { commandName, cwd }) {
    const args = requireArgs(raw, [["algorithm", "--algorithm/-a"], ["signature", "--signature"]] as const);
    const algorithm = choice(commandName, "--algorithm", args.algorithm, SIGNATURE_ALGORITHMS);
    return { ids: idArgs(raw), algorithm, digest: digestArg(raw, algorithm, cwd), signature: base64Arg("--signature", args.signature) };
  },
  async run(o, ctx) {
    const { ops, address, keyId } = await cryptoTarget(ctx, o.ids);
    const result = await ops.verify(address.name, address.version ?? "", { algorithm: o.algorithm, digest: o.digest, signature: o.signature });
    // The service's verify answer carries no kid: the id is the one addressed.
    return verifyView({ algorithm: o.algorithm, keyId, isValid: result.value === true });
  },
  tableView: cryptoResultTable,
});
