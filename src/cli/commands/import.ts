import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ImportKeyOptions, JsonWebKey, KeyOperation } from "@azure/keyvault-keys";
import { defineCommand } from "../spec.js";
import { withKeyDates } from "../../vault-client/key-dates.js";
import { CURVES_AZ_ORDER, PROTECTION_AZ_ORDER } from "../args/az-enums.js";
import { keyIdOptions } from "../args/id-args.js";
import { choice, threeState } from "../args/values.js";
import { UsageError, ValidationError } from "../errors.js";
import { keyView } from "../views/key-view.js";
import { keyTable } from "../views/tables.js";
import { idArgs, keyTarget } from "../args/key-target.js";
import { rawString } from "../args/raw.js";
import { DEFAULT_CVM_POLICY_OPTION, DEFAULT_DATA_DISK_POLICY_OPTION, EXPIRES_OPTION, EXPORTABLE_OPTION, IMMUTABLE_OPTION, NOT_BEFORE_OPTION, OPS_OPTION, POLICY_OPTION, TAGS_OPTION, parseKeyProperties, releasePolicyFor } from "../args/key-properties.js";
import type { LocalKey } from "../keyfiles/key.js";

const SOURCE_GROUP = "Key Source Arguments";
const BYOK_KTY = ["EC", "RSA", "oct"] as const;
const CURVES = ["P-256", "P-256K", "P-384", "P-521"] as const;
const AZ_SOURCES = "supply exactly one: --byok-file, --byok-string, --pem-file, --pem-string";

type Source =
  | { kind: "pem-file"; path: string }
  | { kind: "pem-string"; text: string }
  | { kind: "byok-file"; path: string }
  | { kind: "byok-string"; text: string }
  | { kind: "jwk-file"; path: string };

// `az keyvault key import`: a PEM private key (node-forge and node:crypto read it locally, see
// keyfiles/pem.ts), a BYOK transfer blob (the vault unwraps it with its key exchange key) or, beyond az,
// a JSON Web Key file. Everything local is read and checked before the vault is contacted.

export const importCommand = defineCommand({
  path: ["import"],
  summary: "Import a private key.",
  description:
    "Supports importing base64 encoded private keys from PEM files or strings. Supports importing BYOK keys into HSM for premium key vaults. " +
    "kvkey also imports JSON Web Key files (--jwk-file), including symmetric (oct) keys for a Managed HSM, and makes BYOK files for tests with `kvkey byok-blob`.",
  options: [
    ...keyIdOptions({ version: false, collection: "keys" }),
    { flags: "--pem-file <path>", help: "PEM file containing the key to be imported.", group: SOURCE_GROUP },
    { flags: "--pem-string <pem>", help: "PEM string containing the key to be imported.", group: SOURCE_GROUP },
    { flags: "--pem-password <password>", help: "Password of PEM file.", group: SOURCE_GROUP },
    { flags: "--byok-file <path>", help: "BYOK file containing the key to be imported. Must not be password protected.", group: SOURCE_GROUP },
    { flags: "--byok-string <blob>", help: "BYOK string containing the key to be imported. Must not be password protected.", group: SOURCE_GROUP },
    {
      flags: "--jwk-file <path>",
      help: "(kvkey) JSON Web Key file containing the private key to be imported: RSA, EC, or oct (Managed HSM only).",
      group: SOURCE_GROUP,
    },
    { flags: "--kty <kty>", help: "The type of key to import (only for BYOK).", choices: BYOK_KTY, defaultText: "RSA", group: SOURCE_GROUP },
    { flags: "--curve <curve>", help: "The curve name of the key to import (only for BYOK).", choices: CURVES, group: SOURCE_GROUP },
    { flags: "-p, --protection <protection>", help: "Specifies the type of key protection.", choices: ["hsm", "software"] },
    { flags: "--disabled [bool]", help: "Import keys in disabled state.", choices: ["false", "true"] },
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
    { title: "Import an RSA or EC private key from a PEM file made by openssl.", command: "kvkey import --vault-name demo --name imported --pem-file key.pem" },
    { title: "Import an encrypted PEM (PKCS#8 or OpenSSL's legacy encryption) as an HSM-protected key.", command: "kvkey import --vault-name demo -n imported --pem-file key.enc.pem --pem-password secret -p hsm" },
    {
      title: "Bring your own key: create a key exchange key, wrap a key for it, import the blob.",
      command:
        "kvkey create --vault-name demo -n kek --kty RSA-HSM --ops import && kvkey byok-blob --kek-id https://demo.vault.localhost/keys/kek --key-file key.pem --file key.byok && kvkey import --vault-name demo -n byok --byok-file key.byok",
    },
    { title: "Import an AES key from a JSON Web Key file into a Managed HSM.", command: "kvkey import --hsm-name myhsm -n aes --jwk-file aes.jwk.json" },
  ],
  parse(raw, { commandName, cwd }) {
    const given = (key: string) => {
      const value = rawString(raw, key);
      return value === undefined || value === "" ? undefined : value;
    };
    const pemFile = given("pemFile");
    const pemString = given("pemString");
    const byokFile = given("byokFile");
    const byokString = given("byokString");
    const jwkFile = given("jwkFile");
    const password = given("pemPassword");
    const azSources = [pemFile, pemString, byokFile, byokString].filter((s) => s !== undefined).length;
    if (jwkFile !== undefined) {
      if (azSources > 0) throw new UsageError("--jwk-file cannot be used with --byok-file, --byok-string, --pem-file or --pem-string");
      if (password !== undefined) throw new UsageError("--jwk-file cannot be used with --pem-password");
    } else if (azSources !== 1) {
      throw new UsageError(AZ_SOURCES);
    }
    if ((byokFile !== undefined || byokString !== undefined) && password !== undefined) {
      throw new UsageError("--byok-file or --byok-string cannot be used with --pem-password");
    }
    const ktyText = rawString(raw, "kty");
    const kty = ktyText === undefined ? "RSA" : choice(commandName, "--kty", ktyText, BYOK_KTY);
    const curveText = rawString(raw, "curve");
    const curve = curveText === undefined ? undefined : choice(commandName, "--curve", curveText, CURVES_AZ_ORDER);
    // az's validate_key_import_type: the same message for a missing and for a superfluous --curve.
    if ((kty === "EC") !== (curve !== undefined)) throw new ValidationError("parameter --curve should be specified when key type --kty is EC.");
    const protectionText = rawString(raw, "protection");
    const protection = protectionText === undefined ? undefined : choice(commandName, "--protection", protectionText, PROTECTION_AZ_ORDER);

    let source: Source;
    if (jwkFile !== undefined) source = { kind: "jwk-file", path: resolve(cwd, jwkFile) };
    else if (pemFile !== undefined) source = { kind: "pem-file", path: resolve(cwd, pemFile) };
    else if (pemString !== undefined) source = { kind: "pem-string", text: pemString };
    else if (byokFile !== undefined) source = { kind: "byok-file", path: resolve(cwd, byokFile) };
    else source = { kind: "byok-string", text: byokString! };
    return {
      ids: idArgs(raw),
      source,
      password,
      kty,
      curve,
      protection,
      disabled: threeState(commandName, "--disabled", raw.disabled as string | boolean | undefined),
      props: parseKeyProperties(commandName, raw, cwd),
    };
  },
  async run(o, ctx) {
    // Local material first: a bad file never costs a round trip, nor creates a local vault.
    const jwk = await readSource(o.source, o.password, o.kty, o.curve);
    if (o.props.keyOps) jwk.keyOps = o.props.keyOps as KeyOperation[];
    const { client, address } = await keyTarget(ctx, o.ids);
    const options: { -readonly [K in keyof ImportKeyOptions]: ImportKeyOptions[K] } = {
      enabled: !(o.disabled ?? false),
      hardwareProtected: o.protection === "hsm",
    };
    if (o.props.notBefore) options.notBefore = o.props.notBefore;
    if (o.props.expiresOn) options.expiresOn = o.props.expiresOn;
    if (o.props.tags) options.tags = o.props.tags;
    if (o.props.exportable !== undefined) options.exportable = o.props.exportable;
    const policy = releasePolicyFor(o.props, new URL(address.vaultUrl).hostname.endsWith(".localhost"));
    if (policy) options.releasePolicy = policy;
    return keyView(await client.importKey(address.name, jwk, withKeyDates(options, options)));
  },
  tableView: keyTable,
});

function failed(reason: string): ValidationError {
  return new ValidationError(`Import failed: ${reason}`);
}

function readLocal(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw failed(`cannot read ${flag} ${path}: ${why}.`);
  }
}

async function readSource(source: Source, password: string | undefined, kty: string, curve: string | undefined): Promise<JsonWebKey> {
  const { KeyFileError } = await import("../keyfiles/key.js");
  try {
    switch (source.kind) {
      case "pem-file":
      case "pem-string": {
        const { privateKeyFromPem } = await import("../keyfiles/pem.js");
        const input = source.kind === "pem-file" ? readLocal(source.path, "--pem-file") : source.text;
        return sdkJwk(await privateKeyFromPem(input, { ...(password !== undefined ? { password } : {}), passwordFlag: "--pem-password" }));
      }
      case "jwk-file": {
        const { privateKeyFromJwk } = await import("../keyfiles/jwk.js");
        const file = privateKeyFromJwk(readLocal(source.path, "--jwk-file").toString("utf8"));
        const jwk = sdkJwk(file.key);
        if (file.hsm) jwk.kty = `${jwk.kty}-HSM` as JsonWebKey["kty"];
        if (file.keyOps) jwk.keyOps = file.keyOps as KeyOperation[];
        return jwk;
      }
      case "byok-file":
      case "byok-string": {
        const blob = source.kind === "byok-file" ? byokFileBytes(readLocal(source.path, "--byok-file")) : byokStringBytes(source.text);
        const jwk: JsonWebKey = { kty: `${kty}-HSM` as JsonWebKey["kty"], t: blob };
        if (curve) jwk.crv = curve;
        return jwk;
      }
    }
  } catch (err) {
    if (err instanceof KeyFileError) throw failed(err.message);
    throw err;
  }
}

function sdkJwk(key: LocalKey): JsonWebKey {
  switch (key.kty) {
    case "RSA":
      return { kty: "RSA", n: key.n, e: key.e, d: key.d, p: key.p, q: key.q, dp: key.dp, dq: key.dq, qi: key.qi };
    case "EC":
      return { kty: "EC", crv: key.crv, x: key.x, y: key.y, d: key.d };
    case "oct":
      return { kty: "oct", k: key.k };
  }
}

/** The bytes of a transfer blob, after a light check that they are one (the vault checks the rest). */
function byokFileBytes(bytes: Buffer): Uint8Array {
  const problem = transferBlobProblem(bytes.toString("utf8"));
  if (problem) throw failed(`the BYOK file is not a key transfer blob: ${problem}`);
  return new Uint8Array(bytes);
}

/** --byok-string: the blob's JSON text, or that text base64-encoded (as key_hsm travels). */
function byokStringBytes(text: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const problem = transferBlobProblem(trimmed);
    if (problem) throw failed(`--byok-string is not a key transfer blob: ${problem}`);
    return new Uint8Array(Buffer.from(trimmed, "utf8"));
  }
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const decoded = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (transferBlobProblem(decoded.toString("utf8")) === undefined) return new Uint8Array(decoded);
  }
  throw failed("--byok-string is not a key transfer blob: give the .byok file's JSON text (or its base64).");
}

function transferBlobProblem(text: string): string | undefined {
  let blob: unknown;
  try {
    blob = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return "it is not JSON (a .byok file holds JSON with schema_version, header, ciphertext and generator).";
  }
  if (typeof blob !== "object" || blob === null || Array.isArray(blob)) return "it is not a JSON object.";
  const { header, ciphertext } = blob as { header?: { kid?: unknown }; ciphertext?: unknown };
  if (typeof header !== "object" || header === null || typeof header.kid !== "string") return "it has no header.kid (the key exchange key's id).";
  if (typeof ciphertext !== "string") return "it has no ciphertext.";
  return undefined;
}
