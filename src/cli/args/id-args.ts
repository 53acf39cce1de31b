import { UsageError, ValidationError } from "../errors.js";
import type { Cloud } from "../../vault-client/clouds.js";
import type { OptionSpec } from "../spec.js";

// az's "Id Arguments": either --id (a full identifier) or --vault-name/--hsm-name plus --name/-n
// [--version/-v]. Names resolve through the active cloud's DNS suffixes; an --id URL decides by itself.

export interface IdArgsRaw {
  id?: string;
  vaultName?: string;
  hsmName?: string;
  name?: string;
  version?: string;
}

export interface KeyAddress {
  vaultUrl: string;
  name: string;
  version?: string;
}

const ID_GROUP = "Id Arguments";

export const VAULT_OPTIONS: readonly OptionSpec[] = [
  { flags: "--vault-name <name>", help: "Name of the Vault.", group: ID_GROUP, complete: "vault-names" },
  {
    flags: "--hsm-name <name>",
    help: "Name of the HSM. (--hsm-name and --vault-name are mutually exclusive, please specify just one of them)",
    group: ID_GROUP,
    complete: "hsm-names",
  },
];

export function keyIdOptions(opts: { version: boolean; collection: "keys" | "deletedkeys" }): OptionSpec[] {
  const idHelp =
    opts.collection === "keys"
      ? "Id of the key. If specified all other 'Id' arguments should be omitted."
      : "The recovery id of the key. If specified all other 'Id' arguments should be omitted.";
  const out: OptionSpec[] = [
    ...VAULT_OPTIONS,
    { flags: "--id <id>", help: idHelp, group: ID_GROUP },
    {
      flags: "-n, --name <name>",
      help: "Name of the key. Required if --id is not specified.",
      group: ID_GROUP,
      complete: opts.collection === "keys" ? "key-names" : "deleted-key-names",
    },
  ];
  if (opts.version) {
    out.push({ flags: "-v, --version <version>", help: "The key version. If omitted, uses the latest version.", group: ID_GROUP });
  }
  return out;
}

export const VAULT_ID_OPTIONS: readonly OptionSpec[] = [
  ...VAULT_OPTIONS,
  { flags: "--id <id>", help: "Full URI of the Vault or HSM. If specified all other 'Id' arguments should be omitted.", group: ID_GROUP },
];

const INCORRECT_USAGE = "incorrect usage: --id ID | --vault-name/--hsm-name VAULT/HSM --name/-n NAME [--version VERSION]";

function parseUrl(id: string): URL {
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    throw new UsageError(`'${id}' is not a valid ID`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.hostname === "") throw new UsageError(`'${id}' is not a valid ID`);
  return url;
}

/**
 * A vault or HSM name becomes the first label of a host name: letters, digits and dashes (Azure allows
 * no more). Anything else would make a URL that fails later with "Invalid URL" or a connection error
 * naming the wrong host.
 */
const VAULT_NAME = /^[0-9a-zA-Z-]{1,63}$/;

function vaultName(flag: "--vault-name" | "--hsm-name", name: string): string {
  if (!VAULT_NAME.test(name)) {
    const shown = name.length > 100 ? `${name.slice(0, 100)}...` : name;
    throw new UsageError(`argument ${flag}: invalid name '${shown}': use letters, digits and dashes (at most 63)`);
  }
  return name;
}

function vaultUrlFromNames(raw: IdArgsRaw, cloud: Cloud): string | undefined {
  // As in az, an empty name is no name.
  const vault = raw.vaultName || undefined;
  const hsm = raw.hsmName || undefined;
  if (vault !== undefined && hsm !== undefined) {
    throw new ValidationError("--vault-name and --hsm-name are mutually exclusive.");
  }
  if (vault !== undefined) return `https://${vaultName("--vault-name", vault)}${cloud.keyvaultDns}`;
  if (hsm !== undefined) return `https://${vaultName("--hsm-name", hsm)}${cloud.mhsmDns}`;
  return undefined;
}

function exclusiveWithId(raw: IdArgsRaw, others: Array<keyof IdArgsRaw>): void {
  const flag: Record<keyof IdArgsRaw, string> = {
    id: "--id",
    vaultName: "--vault-name",
    hsmName: "--hsm-name",
    name: "--name",
    version: "--version",
  };
  for (const other of others) {
    if (raw[other] !== undefined) throw new ValidationError(`${flag[other]} and --id are mutually exclusive.`);
  }
}

/**
 * A key (or deleted key) address. For `collection: "deletedkeys"` the --id is a recovery id
 * (`https://host/deletedkeys/name`). As in az's validators, --id decides the vault and the name (a
 * --name/-n next to it is ignored), and its version wins; without one in the id, --version applies.
 */
export function resolveKeyAddress(
  raw: IdArgsRaw,
  cloud: Cloud,
  opts: { collection: "keys" | "deletedkeys"; takesVersion: boolean },
): KeyAddress {
  if (raw.id !== undefined) {
    exclusiveWithId(raw, ["vaultName", "hsmName"]);
    const url = parseUrl(raw.id);
    // az's parse_key_vault_id: two or three non-empty path segments, {collection}/{name}[/{version}].
    const segments = url.pathname.split("/").filter((s) => s !== "");
    if (segments.length < 2 || segments.length > 3) throw new UsageError(`'${raw.id}' is not a valid ID`);
    const [collection, name, version] = segments as [string, string, string?];
    // Current az reads only the vault, name and version from an id. kvkey still refuses a secret's or a
    // certificate's id for a key command, and, as az 2.45 did, a key id (/keys/) for purge, recover and
    // show-deleted, which act on the deleted key: handing them a live key's id is more likely a slip.
    // A key command takes a recovery id (/deletedkeys/) as current az does (Microsoft's Managed HSM
    // guide backs up `--id .../deletedKeys/myrsakey`).
    const accepted = opts.collection === "keys" ? ["keys", "deletedkeys"] : ["deletedkeys"];
    if (!accepted.includes(collection.toLowerCase())) {
      throw new UsageError(`invalid id: The collection "${collection}" does not match the expected "${opts.collection}"`);
    }
    const address: KeyAddress = { vaultUrl: `${url.protocol}//${url.host}`, name: decodeURIComponent(name) };
    const chosen = version || raw.version;
    if (opts.takesVersion && chosen) address.version = chosen;
    return address;
  }
  const vaultUrl = vaultUrlFromNames(raw, cloud);
  if (vaultUrl === undefined || !raw.name) throw new ValidationError(INCORRECT_USAGE);
  const address: KeyAddress = { vaultUrl, name: raw.name };
  if (opts.takesVersion && raw.version) address.version = raw.version;
  return address;
}

/** A vault or HSM address (list, list-deleted, restore). */
export function resolveVaultUrl(raw: IdArgsRaw, cloud: Cloud): string {
  if (raw.id !== undefined) {
    exclusiveWithId(raw, ["vaultName", "hsmName"]);
    // az's vault-URL validator answers anything that is not scheme://host with this message and exit 1
    // (not the key-id parser's "is not a valid ID", exit 2).
    let url: URL;
    try {
      url = parseUrl(raw.id);
    } catch {
      throw new ValidationError("Invalid id for Vault or HSM.");
    }
    return `${url.protocol}//${url.host}`;
  }
  const vaultUrl = vaultUrlFromNames(raw, cloud);
  if (vaultUrl === undefined) throw new ValidationError("Please specify --vault-name or --hsm-name.");
  return vaultUrl;
}
