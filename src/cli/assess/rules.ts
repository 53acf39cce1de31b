import { durationSeconds, parseIsoDuration } from "../../shared/duration.js";

// `kvkey assess`: what "keys set up by the book" means, as rules over facts the data plane gives any
// reader (list keys, get key, get rotation policy) plus, for the emulator, the vault's soft-delete
// settings. Pure: the facts come in, findings go out, so every rule is testable on its own (an RSA key
// under 2048 bits cannot even be made in the emulator).
//
// Severities are kvkey's, in the spirit of Microsoft Defender for Cloud's Key Vault recommendations:
//   high    no expiration date; expired; RSA under 2048 bits
//   medium  expires within 30 days; no rotation policy that rotates; every operation allowed;
//           purge protection off
//   low     rotation interval over a year; encryption and signing on one key; RSA under 3072 bits;
//           disabled but not deleted; soft-delete retention under 90 days

export type Severity = "high" | "medium" | "low";
export const SEVERITIES: readonly Severity[] = ["high", "medium", "low"];

export type RuleId =
  | "no-expiry"
  | "expired"
  | "expires-soon"
  | "no-rotation-policy"
  | "rotation-interval-over-a-year"
  | "all-operations"
  | "encryption-and-signing"
  | "rsa-under-2048"
  | "rsa-under-3072"
  | "disabled-not-deleted"
  | "purge-protection-disabled"
  | "short-soft-delete-retention";

export interface Finding {
  severity: Severity;
  rule: RuleId;
  scope: "key" | "vault";
  /** The key's name; null for a vault finding. */
  key: string | null;
  /** The key version the finding is about (its current one), when it is about one. */
  version: string | null;
  message: string;
  /** A kvkey command that fixes it. */
  fix: string;
}

export type RotationFacts =
  | { state: "read"; actions: Array<{ action: string; timeAfterCreate?: string; timeBeforeExpiry?: string }>; expiresIn?: string }
  /** The vault answered 404 or 501 for the policy: no policy. */
  | { state: "none"; status: number }
  /** The policy could not be read (no permission, say): no rotation finding either way. */
  | { state: "unreadable"; reason: string };

export interface KeyFacts {
  name: string;
  version?: string;
  /** JWK key type: RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM. */
  kty?: string;
  /** RSA modulus size. */
  rsaBits?: number;
  /** key_ops; empty means the service allows every operation of the type. */
  operations: readonly string[];
  enabled: boolean;
  /** Expiry of the current version, ms. */
  expiresOn?: number;
  rotation: RotationFacts;
}

export interface VaultFacts {
  name: string;
  kind: "vault" | "managedhsm";
  retentionDays: number;
  purgeProtection: boolean;
}

/** How the fixes address the vault: the arguments the user gave. */
export interface Addressing {
  /** `--vault-name demo -n mykey`, or `--id https://.../keys/mykey`. */
  key(name: string): string;
  /** Extra arguments every command needs (`--cloud AzureCloud`), with a leading space, or "". */
  suffix: string;
}

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
export const NEAR_EXPIRY_DAYS = 30;
const MAX_ROTATION_DAYS = 365;

const ENCRYPTION_OPS = ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
const SIGNING_OPS = ["sign", "verify"];
/** Every operation each key family supports. */
const FAMILY_OPS: Record<string, readonly string[]> = {
  RSA: [...ENCRYPTION_OPS, ...SIGNING_OPS],
  EC: SIGNING_OPS,
  oct: ENCRYPTION_OPS,
};

/** The rotation policy the fixes propose: rotate every 90 days, each version valid for a year. */
export const RECOMMENDED_POLICY = '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P1Y"}}';

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** az's datetime for --expires: a year from `now`, at midnight UTC. */
function aYearFrom(nowMs: number): string {
  return `${day(nowMs + 365 * DAY_MS)}T00:00:00Z`;
}

function seconds(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const parsed = parseIsoDuration(iso);
  return parsed ? durationSeconds(parsed) : undefined;
}

/** How often the Rotate action rotates, in seconds; undefined when it cannot be told. */
export function rotationIntervalSeconds(rotation: Extract<RotationFacts, { state: "read" }>): number | undefined {
  const rotate = rotation.actions.find((a) => a.action.toLowerCase() === "rotate");
  if (!rotate) return undefined;
  const after = seconds(rotate.timeAfterCreate);
  if (after !== undefined) return after;
  const before = seconds(rotate.timeBeforeExpiry);
  const lifetime = seconds(rotation.expiresIn);
  return before !== undefined && lifetime !== undefined ? lifetime - before : undefined;
}

export function assessKey(k: KeyFacts, nowMs: number, at: Addressing): Finding[] {
  const out: Finding[] = [];
  const addr = `${at.key(k.name)}${at.suffix}`;
  const add = (severity: Severity, rule: RuleId, message: string, fix: string) =>
    out.push({ severity, rule, scope: "key", key: k.name, version: k.version ?? null, message, fix });

  // Expiry.
  if (k.expiresOn === undefined) {
    add("high", "no-expiry", "The key has no expiration date, so its current version can be used indefinitely.", `kvkey set-attributes ${addr} --expires ${aYearFrom(nowMs)}`);
  } else if (k.expiresOn <= nowMs) {
    add("high", "expired", `The key's current version expired on ${day(k.expiresOn)}: it no longer encrypts, signs or wraps.`, `kvkey rotate ${addr}`);
  } else if (k.expiresOn - nowMs <= NEAR_EXPIRY_DAYS * DAY_MS) {
    const days = Math.ceil((k.expiresOn - nowMs) / DAY_MS);
    add("medium", "expires-soon", `The key's current version expires on ${day(k.expiresOn)}, in ${days} day${days === 1 ? "" : "s"}.`, `kvkey rotate ${addr}`);
  }

  // Rotation.
  const policyFix = `kvkey rotation-policy update ${addr} --value '${RECOMMENDED_POLICY}'`;
  if (k.rotation.state === "none" || (k.rotation.state === "read" && !k.rotation.actions.some((a) => a.action.toLowerCase() === "rotate"))) {
    add("medium", "no-rotation-policy", "The key has no rotation policy with a Rotate action, so it is never rotated automatically.", policyFix);
  } else if (k.rotation.state === "read") {
    const interval = rotationIntervalSeconds(k.rotation);
    if (interval !== undefined && interval > MAX_ROTATION_DAYS * DAY_S) {
      add("low", "rotation-interval-over-a-year", `The rotation policy rotates the key every ${Math.round(interval / DAY_S)} days, less often than once a year.`, policyFix);
    }
  }

  // Operations.
  const family = (k.kty ?? "").replace(/-HSM$/, "");
  const supported = FAMILY_OPS[family] ?? [];
  const ops = k.operations.length === 0 ? supported : k.operations;
  const encrypts = ops.some((op) => ENCRYPTION_OPS.includes(op));
  const signs = ops.some((op) => SIGNING_OPS.includes(op));
  if (encrypts && signs) {
    const opsFix = `kvkey set-attributes ${addr} --ops sign verify`;
    if (supported.every((op) => ops.includes(op))) {
      add("medium", "all-operations", `The key allows every operation (${supported.join(", ")}); give it one purpose: sign and verify, encrypt and decrypt, or wrapKey and unwrapKey.`, opsFix);
    } else {
      add("low", "encryption-and-signing", `The key both encrypts and signs (${ops.join(", ")}); use one key per purpose.`, opsFix);
    }
  }

  // Size.
  if (family === "RSA" && k.rsaBits !== undefined) {
    const fix = `kvkey create ${addr} --kty ${k.kty ?? "RSA"} --size 3072`;
    if (k.rsaBits < 2048) add("high", "rsa-under-2048", `The RSA key is ${k.rsaBits} bits; anything under 2048 bits is no longer considered secure.`, fix);
    else if (k.rsaBits < 3072) add("low", "rsa-under-3072", `The RSA key is ${k.rsaBits} bits; 3072 bits or more is recommended for use beyond 2030 (NIST SP 800-57).`, fix);
  }

  // State.
  if (!k.enabled) {
    add("low", "disabled-not-deleted", "The key is disabled but not deleted: delete it if it is no longer needed (it stays recoverable).", `kvkey delete ${addr}`);
  }
  return out;
}

/** The container's soft-delete settings (the emulator's vaults only: in Azure these are control-plane properties). */
export function assessVault(v: VaultFacts): Finding[] {
  const out: Finding[] = [];
  const target = `-n ${v.name}${v.kind === "managedhsm" ? " --hsm" : ""}`;
  const what = v.kind === "vault" ? "vault" : "managed HSM";
  if (!v.purgeProtection) {
    out.push({
      severity: "medium",
      rule: "purge-protection-disabled",
      scope: "vault",
      key: null,
      version: null,
      message: `Purge protection is off: a deleted key can be purged (destroyed for good) before its retention period ends.`,
      fix: `kvkey emulator vault create ${target} --enable-purge-protection true`,
    });
  }
  if (v.retentionDays < 90) {
    // A retention other than the default was set, and a set retention is fixed (as in Azure): the fix is
    // a new container with 90 days, to which the keys move (kvkey backup, then kvkey restore).
    const successor = `${v.name.slice(0, 20)}-90d`;
    out.push({
      severity: "low",
      rule: "short-soft-delete-retention",
      scope: "vault",
      key: null,
      version: null,
      message:
        `The ${what} keeps deleted keys ${v.retentionDays} days; 90 days (the most, and Azure's default) leaves the longest time to recover. ` +
        `A retention cannot be changed once set: move the keys (kvkey backup, kvkey restore) to a ${what} created with 90 days.`,
      fix: `kvkey emulator vault create -n ${successor}${v.kind === "managedhsm" ? " --hsm" : ""} --retention-days 90`,
    });
  }
  return out;
}

/** Most severe first; vault findings before key findings; then by key and rule. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return [...findings].sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      (a.scope === b.scope ? 0 : a.scope === "vault" ? -1 : 1) ||
      (a.key ?? "").localeCompare(b.key ?? "") ||
      a.rule.localeCompare(b.rule),
  );
}

/** Whether a finding at or above `threshold` exists. */
export function failsAt(findings: readonly Finding[], threshold: Severity): boolean {
  const limit = SEVERITIES.indexOf(threshold);
  return findings.some((f) => SEVERITIES.indexOf(f.severity) <= limit);
}
