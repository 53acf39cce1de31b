import type { CreateKeyOptions, KeyType } from "@azure/keyvault-keys";
import { defineCommand } from "../spec.js";
import { withKeyDates } from "../../vault-client/key-dates.js";
import { CURVES_AZ_ORDER, PROTECTION_AZ_ORDER } from "../args/az-enums.js";
import { keyIdOptions } from "../args/id-args.js";
import { choice, integer, threeState } from "../args/values.js";
import { ValidationError } from "../errors.js";
import { keyView } from "../views/key-view.js";
import { keyTableOf } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";
import { DEFAULT_CVM_POLICY_OPTION, DEFAULT_DATA_DISK_POLICY_OPTION, EXPIRES_OPTION, EXPORTABLE_OPTION, IMMUTABLE_OPTION, NOT_BEFORE_OPTION, OPS_OPTION, POLICY_OPTION, TAGS_OPTION, parseKeyProperties, releasePolicyFor } from "../args/key-properties.js";

const KTY = ["EC", "EC-HSM", "RSA", "RSA-HSM", "oct", "oct-HSM"] as const;
const CURVES = ["P-256", "P-256K", "P-384", "P-521"] as const;

export const createCommand = defineCommand({
  path: ["create"],
  summary: "Create a new key, stores it, then returns key parameters and attributes to the client.",
  description:
    "The create key operation can be used to create any key type in Vault or HSM. If the named key already exists, Vault or HSM creates a new version of the key.",
  options: [
    ...keyIdOptions({ version: false, collection: "keys" }),
    { flags: "--kty <kty>", help: "The type of key to create. For valid values, see: https://learn.microsoft.com/en-us/rest/api/keyvault/keys/create-key/create-key#jsonwebkeytype", choices: KTY, defaultText: "RSA (EC when --curve is given)" },
    { flags: "--curve <curve>", help: "Elliptic curve name. For valid values, see: https://learn.microsoft.com/en-us/rest/api/keyvault/keys/create-key/create-key#jsonwebkeycurvename", choices: CURVES },
    { flags: "--size <bits>", help: "The key size in bits. For example: 2048, 3072, or 4096 for RSA. 128, 192, or 256 for oct." },
    { flags: "-p, --protection <protection>", help: "Specifies the type of key protection.", choices: ["hsm", "software"] },
    { flags: "--disabled [bool]", help: "Create key in disabled state.", choices: ["false", "true"] },
    OPS_OPTION,
    EXPIRES_OPTION,
    NOT_BEFORE_OPTION,
    TAGS_OPTION,
    EXPORTABLE_OPTION,
    POLICY_OPTION,
    DEFAULT_CVM_POLICY_OPTION,
    DEFAULT_DATA_DISK_POLICY_OPTION,
    IMMUTABLE_OPTION,
  ],
  examples: [
    { title: "Create an RSA key in the local emulated vault (created on first use).", command: "kvkey create --vault-name demo --name mykey" },
    { title: "Create an EC signing key on P-256.", command: "kvkey create --vault-name demo --name signing --kty EC --curve P-256 --ops sign verify" },
    { title: "Create a 256-bit AES key in a Managed HSM.", command: "kvkey create --hsm-name myhsm --name aes --kty oct-HSM --size 256" },
    { title: "Create an HSM-protected RSA-4096 key in Azure Key Vault that expires at the end of 2030.", command: "kvkey create --cloud AzureCloud --vault-name prod-kv --name wrapping -p hsm --size 4096 --expires 2030-12-31T23:59:59Z" },
  ],
  parse(raw, { commandName, cwd }) {
    const curveText = rawString(raw, "curve");
    const curve = curveText === undefined ? undefined : choice(commandName, "--curve", curveText, CURVES_AZ_ORDER);
    const ktyText = rawString(raw, "kty");
    let kty: string = ktyText === undefined ? (curve ? "EC" : "RSA") : choice(commandName, "--kty", ktyText, KTY);
    const protectionText = rawString(raw, "protection");
    const protection = protectionText === undefined ? undefined : choice(commandName, "--protection", protectionText, PROTECTION_AZ_ORDER);
    if (protection === "hsm" && !kty.endsWith("-HSM")) kty = `${kty}-HSM`;
    if (protection === "software" && kty.endsWith("-HSM")) {
      throw new ValidationError(`The key type ${kty} is invalid for software protected keys. Omit --protection`);
    }
    const size = integer("--size", rawString(raw, "size"));
    const disabled = threeState(commandName, "--disabled", raw.disabled as string | boolean | undefined);
    return {
      ids: idArgs(raw),
      kty: kty as KeyType,
      curve,
      size,
      disabled,
      props: parseKeyProperties(commandName, raw, cwd),
    };
  },
  async run(o, ctx) {
    const { client, address } = await keyTarget(ctx, o.ids);
    const options: { -readonly [K in keyof CreateKeyOptions]: CreateKeyOptions[K] } = { enabled: !(o.disabled ?? false) };
    if (o.curve) options.curve = o.curve;
    if (o.size !== undefined) options.keySize = o.size;
    if (o.props.keyOps) options.keyOps = o.props.keyOps;
    if (o.props.notBefore) options.notBefore = o.props.notBefore;
    if (o.props.expiresOn) options.expiresOn = o.props.expiresOn;
    if (o.props.tags) options.tags = o.props.tags;
    if (o.props.exportable !== undefined) options.exportable = o.props.exportable;
    const policy = releasePolicyFor(o.props, new URL(address.vaultUrl).hostname.endsWith(".localhost"));
    if (policy) options.releasePolicy = policy;
    // The spinner shows only for a create that turns out slow (RSA-4096 generation, a far region, a
    // throttled vault), and only on a terminal.
    const shape = o.size !== undefined ? ` ${o.size}` : o.curve ? ` ${o.curve}` : "";
    const key = await ctx.spin(`Creating ${o.kty}${shape} key '${address.name}'...`, () =>
      client.createKey(address.name, o.kty, withKeyDates(options, options)),
    );
    return keyView(key);
  },
  // The service does not return an AES key's size: the table shows the size asked for (or the emulator's default).
  tableView: (result, width, o) => keyTableOf(result, width, o?.kty.startsWith("oct") ? (o.size ?? localDefaultOctSize(result)) : undefined),
});

/** 256 for a key of the emulated vault (`*.localhost`), which makes AES-256 when no size is given; unknown for Azure. */
function localDefaultOctSize(result: unknown): number | undefined {
  const kid = (result as { key?: { kid?: unknown } } | undefined)?.key?.kid;
  try {
    return typeof kid === "string" && new URL(kid).hostname.endsWith(".localhost") ? 256 : undefined;
  } catch {
    return undefined;
  }
}
