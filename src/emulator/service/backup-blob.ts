import type { SecurityDomain } from "../crypto/seal.js";
import { SealError } from "../crypto/seal.js";
import { VaultErrors } from "../domain/errors.js";
import type { VaultKind } from "../domain/vault.js";
import type { KeyVersion } from "../domain/key.js";
import type { PrivateMaterial } from "../crypto/material.js";

// A key backup: every version of one key, sealed under the security domain, as Managed HSM does it.
// Layout: "KVKEYBAK" | format (1 byte) | security-domain id (16 bytes) | sealed JSON payload.
// The domain id travels in clear so a restore elsewhere can say *why* it is refused; the seal's
// associated data covers the header, so editing the id or any payload byte is caught as tampering.

const MAGIC = Buffer.from("KVKEYBAK", "ascii");
const FORMAT = 1;
const HEADER_BYTES = MAGIC.length + 1 + 16;

/**
 * Key Vault backs up at most 500 versions of a key ("Attempting to back up a key ... with more versions
 * than this limit will result in an error", service limits): a key with more is refused at backup.
 */
export const MAX_BACKUP_VERSIONS = 500;

/**
 * The largest blob a backup produces, and so what a restore must accept (http/body-limits.ts sizes the
 * restore request from it): 500 RSA-4096 versions take about 2 MB; 12 MiB leaves room for tags and
 * release policies. A backup that would be larger is refused when it is made, never at restore time:
 * whatever `backup` returns, `restore` takes.
 */
export const MAX_BACKUP_BLOB_BYTES = 12 * 1024 * 1024;

export interface BackupVersion {
  version: KeyVersion;
  material: PrivateMaterial;
}

export interface KeyBackup {
  vaultKind: VaultKind;
  name: string;
  rotationPolicy?: string;
  versions: BackupVersion[];
}

interface SerializedVersion extends Omit<KeyVersion, "releasePolicy"> {
  releasePolicy?: { contentType: string; immutable: boolean; data: string };
  material: PrivateMaterial;
}

export function sealBackup(backup: KeyBackup, domain: SecurityDomain): Buffer {
  if (backup.versions.length > MAX_BACKUP_VERSIONS) {
    throw VaultErrors.badParameter(
      `The key '${backup.name}' has ${backup.versions.length} versions; a key backup holds at most ${MAX_BACKUP_VERSIONS} versions (Key Vault's limit), so this key cannot be backed up.`,
    );
  }
  const header = Buffer.concat([MAGIC, Buffer.of(FORMAT), Buffer.from(domain.id, "hex")]);
  const payload = {
    vaultKind: backup.vaultKind,
    name: backup.name,
    rotationPolicy: backup.rotationPolicy,
    versions: backup.versions.map(({ version, material }): SerializedVersion => {
      const { releasePolicy, ...rest } = version;
      const out: SerializedVersion = { ...rest, material };
      if (releasePolicy) out.releasePolicy = { ...releasePolicy, data: releasePolicy.data.toString("base64") };
      return out;
    }),
  };
  const sealed = domain.seal(Buffer.from(JSON.stringify(payload), "utf8"), header.toString("base64"));
  const blob = Buffer.concat([header, sealed]);
  if (blob.length > MAX_BACKUP_BLOB_BYTES) {
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    throw VaultErrors.badParameter(
      `The backup of key '${backup.name}' would be ${mib(blob.length)}, more than the ${mib(MAX_BACKUP_BLOB_BYTES)} a restore accepts ` +
        "(its versions carry large tags or release policies): it is refused now rather than made unrestorable.",
    );
  }
  return blob;
}

export function openBackup(blob: Buffer, domain: SecurityDomain): KeyBackup {
  // What the service answers for bytes that are no backup of its own (a recorded restore of 8,693 zero
  // bytes): the version it reads first is not one it knows.
  if (blob.length <= HEADER_BYTES || !blob.subarray(0, MAGIC.length).equals(MAGIC) || blob[MAGIC.length] !== FORMAT) {
    throw VaultErrors.malformedBackupBlob();
  }
  const header = blob.subarray(0, HEADER_BYTES);
  const sourceDomain = header.subarray(MAGIC.length + 1).toString("hex");
  if (sourceDomain !== domain.id) {
    throw VaultErrors.badParameter(
      "The backup blob was made under a different security domain and cannot be restored here: a key backup " +
        "restores only where the security domain of its source is present.",
      "SecurityDomainMismatch",
    );
  }
  let json: Buffer;
  try {
    json = domain.open(blob.subarray(HEADER_BYTES), header.toString("base64"));
  } catch (err) {
    if (err instanceof SealError) {
      throw VaultErrors.badParameter("The backup blob is corrupted or has been tampered with; it cannot be restored.", "BackupBlobCorrupted");
    }
    throw err;
  }
  const payload = JSON.parse(json.toString("utf8")) as {
    vaultKind: VaultKind;
    name: string;
    rotationPolicy?: string;
    versions: SerializedVersion[];
  };
  return {
    vaultKind: payload.vaultKind,
    name: payload.name,
    ...(payload.rotationPolicy !== undefined ? { rotationPolicy: payload.rotationPolicy } : {}),
    versions: payload.versions.map(({ material, releasePolicy, ...rest }) => {
      const version: KeyVersion = { ...rest };
      if (releasePolicy) version.releasePolicy = { ...releasePolicy, data: Buffer.from(releasePolicy.data, "base64") };
      return { version, material };
    }),
  };
}
