import { defineCommand } from "../spec.js";
import { choice } from "../args/values.js";
import { signView } from "../views/crypto-view.js";
import { idArgs } from "../args/key-target.js";
import { SIGNATURE_ALGORITHMS, requireArgs } from "../args/crypto.js";
import { DIGEST_OPTIONS, digestArg } from "../args/digest.js";
import { ALGORITHM_FLAGS, CRYPTO_ID_OPTIONS, cryptoTarget } from "../args/crypto-target.js";
import { cryptoResultTable } from "../views/tables.js";

export const signCommand = defineCommand({
  path: ["sign"],
  summary: "Create a signature from a digest using a key that is stored in a Vault or HSM.",
  description:
    "Give the digest (az's --digest, standard base64 of the hash; base64url works too), or let kvkey hash --data or --file with the algorithm's hash. ES* signatures are raw r||s, as JWA defines them.",
  options: [
    ...CRYPTO_ID_OPTIONS,
    { flags: ALGORITHM_FLAGS, help: "Algorithm identifier.", choices: SIGNATURE_ALGORITHMS, required: true },
    ...DIGEST_OPTIONS,
  ],
  examples: [
    { title: "Sign the SHA-256 digest of a file, computed by openssl.", command: "kvkey sign --vault-name demo -n signing -a ES256 --digest \"$(openssl dgst -sha256 -binary release.tar.gz | base64)\"" },
    { title: "Let kvkey hash the file (SHA-512 for PS512) and print only the signature.", command: "kvkey sign --vault-name demo -n rsa -a PS512 --file release.tar.gz --query signature -o tsv" },
  ],
  parse(raw, { commandName, cwd }) {
    const { algorithm: algorithmText } = requireArgs(raw, [["algorithm", "--algorithm/-a"]] as const);
    const algorithm = choice(commandName, "--algorithm", algorithmText, SIGNATURE_ALGORITHMS);
    return { ids: idArgs(raw), algorithm, digest: digestArg(raw, algorithm, cwd) };
  },
  async run(o, ctx) {
    const { ops, address, keyId } = await cryptoTarget(ctx, o.ids);
    const result = await ops.sign(address.name, address.version ?? "", { algorithm: o.algorithm, value: o.digest });
    return signView({ algorithm: o.algorithm, keyId: result.kid ?? keyId, signature: result.result });
  },
  tableView: cryptoResultTable,
});
