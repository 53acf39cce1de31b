import type { KeyReleasePolicy } from "@azure/keyvault-keys";
import type { OptionSpec, RawOptions } from "../spec.js";
import { ValidationError } from "../errors.js";
import { choice, datetime, jsonFromFileOrText, tags, threeState } from "./values.js";
import { rawList, rawString } from "./raw.js";
import { KEY_OPS_AZ_ORDER } from "./az-enums.js";
import { LOCAL_ATTESTATION_AUTHORITY } from "../../shared/attestation.js";

// The key attribute arguments create, import and set-attributes share (az's "common" key args), and
// the release-policy rules az applies before anything is sent.

export const KEY_OPS = ["decrypt", "encrypt", "export", "import", "sign", "unwrapKey", "verify", "wrapKey"] as const;

export const OPS_OPTION: OptionSpec = {
  flags: "--ops [ops...]",
  help: "Space-separated list of permitted JSON web key operations.",
  choices: KEY_OPS,
};
export const EXPIRES_OPTION: OptionSpec = { flags: "--expires <datetime>", help: "Expiration UTC datetime (Y-m-d'T'H:M:S'Z')." };
export const NOT_BEFORE_OPTION: OptionSpec = {
  flags: "--not-before <datetime>",
  help: "Key not usable before the provided UTC datetime (Y-m-d'T'H:M:S'Z').",
};
export const TAGS_OPTION: OptionSpec = {
  flags: "--tags [tags...]",
  help: 'Space-separated tags: key[=value] [key[=value] ...]. Use "" to clear existing tags.',
};
export const EXPORTABLE_OPTION: OptionSpec = {
  flags: "--exportable [bool]",
  help: 'Whether the private key can be exported. To create key with release policy, "exportable" must be true and caller must have "export" permission.',
  choices: ["false", "true"],
};
export const POLICY_OPTION: OptionSpec = {
  flags: "--policy <policy>",
  help: "The policy rules under which the key can be exported. Policy definition as JSON, or a path to a file containing JSON policy definition.",
};
export const DEFAULT_CVM_POLICY_OPTION: OptionSpec = {
  flags: "--default-cvm-policy",
  help: "Use default policy under which the key can be exported for CVM disk encryption.",
};
export const DEFAULT_DATA_DISK_POLICY_OPTION: OptionSpec = {
  // Two long names, as az has them; the parser keeps the value under the second (defaultDdPolicy).
  flags: "--default-data-disk-policy, --default-dd-policy",
  help: "Use default policy under which the key can be exported for data disk encryption.",
};
export const IMMUTABLE_OPTION: OptionSpec = {
  flags: "--immutable [bool]",
  help: "Mark a release policy as immutable. An immutable release policy cannot be changed or updated after being marked immutable.",
  choices: ["false", "true"],
  preview: true,
};

export interface KeyPropertyArgs {
  keyOps?: string[];
  expiresOn?: Date;
  notBefore?: Date;
  tags?: Record<string, string>;
  exportable?: boolean;
  releasePolicy?: KeyReleasePolicy;
  /** A default policy (--default-cvm-policy, --default-data-disk-policy) names the target's attestation authority, known only at run time. */
  defaultPolicy?: DefaultPolicyKind;
  immutable?: boolean;
}

export function parseKeyOps(command: string, raw: RawOptions): string[] | undefined {
  return rawList(raw, "ops")?.map((op) => choice(command, "--ops", op, KEY_OPS_AZ_ORDER));
}

export function parseKeyProperties(command: string, raw: RawOptions, cwd: string): KeyPropertyArgs {
  const out: KeyPropertyArgs = {};
  const keyOps = parseKeyOps(command, raw);
  const expiresOn = datetime("--expires", rawString(raw, "expires"));
  const notBefore = datetime("--not-before", rawString(raw, "notBefore"));
  const tagValues = tags(rawList(raw, "tags"));
  const exportable = threeState(command, "--exportable", raw.exportable as string | boolean | undefined);
  const immutable = threeState(command, "--immutable", raw.immutable as string | boolean | undefined);
  if (keyOps) out.keyOps = keyOps;
  if (expiresOn) out.expiresOn = expiresOn;
  if (notBefore) out.notBefore = notBefore;
  if (tagValues) out.tags = tagValues;
  if (exportable !== undefined) out.exportable = exportable;
  if (immutable !== undefined) out.immutable = immutable;

  const policyText = rawString(raw, "policy");
  const defaultCvm = raw.defaultCvmPolicy === true;
  const defaultDataDisk = raw.defaultDdPolicy === true;
  // az's checks, in az's order (process_key_release_policy).
  if (policyText === undefined && !defaultCvm && !defaultDataDisk) {
    if (immutable !== undefined) throw new ValidationError("Please provide policy when setting `--immutable`");
    return out;
  }
  if (policyText !== undefined && defaultCvm) throw new ValidationError("Can not specify both `--policy` and `--default-cvm-policy`");
  if (policyText !== undefined && defaultDataDisk) throw new ValidationError("Can not specify both `--policy` and `--default-data-disk-policy`");
  if (defaultCvm && defaultDataDisk) throw new ValidationError("`--default-cvm-policy` and `--default-data-disk-policy` are mutually exclusive");
  if (defaultCvm || defaultDataDisk) {
    out.defaultPolicy = defaultCvm ? "cvm" : "data-disk";
    return out;
  }
  out.releasePolicy = releasePolicy(jsonFromFileOrText("--policy", policyText!, cwd), immutable);
  return out;
}

export function releasePolicy(document: unknown, immutable: boolean | undefined): KeyReleasePolicy {
  const policy: KeyReleasePolicy = { encodedPolicy: Buffer.from(JSON.stringify(document), "utf8") };
  if (immutable !== undefined) policy.immutable = immutable;
  return policy;
}

export type DefaultPolicyKind = "cvm" | "data-disk";

/**
 * The policies az's default-policy flags stand for, given the attestation authority: `cvm` releases only
 * to an Azure-compliant confidential VM; `data-disk` also requires an SEV-SNP or TDX isolation TEE.
 */
export function defaultReleasePolicy(kind: DefaultPolicyKind, authority: string): unknown {
  const compliant = kind === "cvm" ? { claim: "x-ms-compliance-status", equals: "azure-compliant-cvm" } : { claim: "x-ms-isolation-tee.x-ms-compliance-status", equals: "azure-compliant-cvm" };
  const tee = {
    anyOf: [
      { claim: "x-ms-isolation-tee.x-ms-attestation-type", equals: "sevsnpvm" },
      { claim: "x-ms-isolation-tee.x-ms-attestation-type", equals: "tdxvm" },
    ],
  };
  return { version: "1.0.0", anyOf: [{ authority, allOf: kind === "cvm" ? [compliant] : [tee, compliant] }] };
}

/**
 * The release policy a create or import sends: the one given with --policy, or the default policy for the
 * target's attestation authority. az asks ARM for the vault's region and Azure Attestation for that
 * region's default provider; kvkey knows the authority only for local vaults (the emulator is their
 * authority), so against Azure it says to pass --policy instead.
 */
export function releasePolicyFor(props: KeyPropertyArgs, local: boolean): KeyReleasePolicy | undefined {
  if (!props.defaultPolicy) return props.releasePolicy;
  if (!local) {
    const flag = props.defaultPolicy === "cvm" ? "--default-cvm-policy" : "--default-data-disk-policy";
    throw new ValidationError(`kvkey cannot fetch Azure Attestation's default policy yet; pass the policy JSON with --policy instead of ${flag}.`);
  }
  return releasePolicy(defaultReleasePolicy(props.defaultPolicy, LOCAL_ATTESTATION_AUTHORITY), props.immutable);
}
