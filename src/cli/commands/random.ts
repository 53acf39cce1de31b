import { defineCommand } from "../spec.js";
import type { OptionSpec } from "../spec.js";
import { integer } from "../args/values.js";
import { ValidationError } from "../errors.js";
import { resolveVaultUrl } from "../args/id-args.js";
import { randomView } from "../views/crypto-view.js";
import { requireArgs } from "../args/crypto.js";
import { rawString } from "../args/raw.js";
import { cryptoResultTable } from "../views/tables.js";

// Random bytes come from a Managed HSM only: like az, random has no --vault-name at all (so passing
// one is az's "unrecognized arguments" usage error), and --id names the HSM.

const HSM_ID_OPTIONS: readonly OptionSpec[] = [
  { flags: "--hsm-name <name>", help: "Name of the HSM.", group: "Id Arguments" },
  { flags: "--id <id>", help: "Full URI of the HSM. If specified all other 'Id' arguments should be omitted.", group: "Id Arguments" },
];

export const randomCommand = defineCommand({
  path: ["random"],
  summary: "Get the requested number of random bytes from a managed HSM.",
  options: [...HSM_ID_OPTIONS, { flags: "--count <n>", help: "The requested number of random bytes (1 to 128).", required: true }],
  examples: [
    { title: "Get 32 random bytes from a Managed HSM.", command: "kvkey random --hsm-name myhsm --count 32" },
    { title: "Get 16 random bytes as base64 text only.", command: "kvkey random --id https://myhsm.managedhsm.localhost --count 16 --query value -o tsv" },
  ],
  parse(raw) {
    const { count } = requireArgs(raw, [["count", "--count"]] as const);
    const id = rawString(raw, "id");
    const hsmName = rawString(raw, "hsmName");
    // The upper bound is the service's to check (400 above 128), as az leaves it; below 1 see run().
    return { id, hsmName, count: integer("--count", count)! };
  },
  async run(o, ctx) {
    // A configured default HSM (`kvkey config`) stands in for --hsm-name; a default vault cannot.
    const hsmName = o.hsmName ?? (o.id === undefined ? ctx.settings.defaultHsm : undefined);
    // az's process_hsm_name.
    if (o.id === undefined && hsmName === undefined) throw new ValidationError("Please specify --hsm-name or --id.");
    const vaultUrl = resolveVaultUrl({ ...(o.id !== undefined ? { id: o.id } : {}), ...(hsmName !== undefined ? { hsmName } : {}) }, ctx.cloud);
    // az's SDK (KeyClient.get_random_bytes) refuses a count below 1 itself, before any request.
    if (o.count < 1) throw new ValidationError("At least one random byte must be requested");
    const client = await ctx.keyClient(vaultUrl);
    return randomView(await client.getRandomBytes(o.count));
  },
  tableView: cryptoResultTable,
});
