import { VaultError, VaultErrors } from "../domain/errors.js";
import { keyFamily, type KeyVersion, type KeyView } from "../domain/key.js";
import { vaultId, type Vault, type VaultTarget } from "../domain/vault.js";
import {
  DEFAULT_NOTIFY,
  MAX_HSM_KEY_VERSIONS,
  nextRotationDue,
  parseStoredRotationPolicy,
  rotatedExpiry,
  serializeRotationPolicy,
  validateRotationPolicy,
  type RotationPolicy,
  type RotationPolicyInput,
} from "../domain/rotation-policy.js";
import { generateKeyMaterial, type KeySpec } from "../crypto/generate.js";
import type { KeyStore } from "../store/key-store.js";
import type { RotationSchedule } from "../store/rotation-schedule.js";
import type { KeyRepository } from "./key-repository.js";
import type { KeyService } from "./key-service.js";

// Rotation: a key's rotation policy (GET/PUT /keys/{name}/rotationpolicy), on-demand rotation
// (POST /keys/{name}/rotate) and automatic rotation.
//
// Automatic rotation is deterministic under the emulator clock. Each key with a Rotate action stores
// when that trigger next comes due (keys.next_rotation: timeAfterCreate after the latest version's
// creation, or timeBeforeExpiry before its expiry), so finding what is due is one indexed read. The
// check runs whenever a request reaches the vault (the pipeline's tick, lifetime.ts; at most once per
// clock second per vault) and on a timer while the emulator is served. A due key gets ONE new version per check, created
// "now"; the next due time is computed from that version. So after a clock shift of several periods the
// key gains one version, not one per missed period (the service, too, rotates once when it finds a key
// due), and a policy of P30D rotates on day 30 and not on day 29.

export interface RotationPolicyView {
  /** The key's name as stored (its case). */
  name: string;
  policy: Omit<RotationPolicy, "created" | "updated"> & { created?: number; updated?: number };
}

/** Keys rotated per vault per check: a bound on the work one request can trigger. */
const MAX_ROTATIONS_PER_CHECK = 16;

export class RotationService {
  private readonly store: KeyStore;

  constructor(
    private readonly keys: KeyService,
    private readonly repo: KeyRepository,
    private readonly schedule: RotationSchedule,
  ) {
    this.store = repo.store;
    repo.changes.listen((change) => {
      if (change.what === "versions") this.versionsChanged(change.vault, change.name);
    });
  }

  private now(): number {
    return this.repo.now();
  }

  // ---- policy ---------------------------------------------------------------------------------------

  getPolicy(target: VaultTarget, host: string, name: string): RotationPolicyView {
    const { vault, key } = this.keys.getKey(target, host, name);
    const stored = parseStoredRotationPolicy(this.store.getKey(vault.id, key.name)?.rotationPolicy);
    return { name: key.name, policy: stored ?? defaultPolicy(vault) };
  }

  updatePolicy(target: VaultTarget, host: string, name: string, input: RotationPolicyInput): RotationPolicyView {
    this.keys.getKey(target, host, name); // 404 for a missing key or vault comes first
    const validated = validateRotationPolicy(input, target.kind);
    return this.store.write(() => {
      const vault = this.store.getVault(vaultId(target.name, target.kind))!;
      const record = this.store.getKey(vault.id, name);
      if (!record || record.deletion) throw VaultErrors.keyNotFound(name);
      const now = this.now();
      const previous = parseStoredRotationPolicy(record.rotationPolicy);
      const policy: RotationPolicy = { ...validated, created: previous?.created ?? now, updated: now };
      this.store.setRotationPolicy(vault.id, record.name, serializeRotationPolicy(policy));
      this.scheduleNext(vault, record.name, policy);
      this.checkedAt.delete(vault.id);
      // Key events: the policy's Notify action moves the near-expiry time.
      this.repo.changes.changed({ vault, name: record.name, now, what: "dates" });
      return { name: record.name, policy };
    });
  }

  // ---- rotation -------------------------------------------------------------------------------------

  /** POST /keys/{name}/rotate. A managed HSM rotates on demand only once a policy is set. */
  async rotate(target: VaultTarget, host: string, name: string): Promise<KeyView> {
    const { vault, key } = this.keys.getKey(target, host, name);
    const policy = parseStoredRotationPolicy(this.store.getKey(vault.id, key.name)?.rotationPolicy);
    if (!policy && vault.kind === "managedhsm") {
      throw VaultErrors.badParameter(
        `The key ${key.name} has no rotation policy. A managed HSM rotates a key on demand only after a rotation policy is set ` +
          `(PUT /keys/${key.name}/rotationpolicy, or kvkey rotation-policy update).`,
      );
    }
    return this.newVersion(target, key, policy, () => undefined);
  }

  /**
   * Automatic rotation for one vault: every active key whose Rotate trigger is due gets a new version.
   * Called for every request that reaches a vault (`now` in Unix seconds), so it is cheap when nothing
   * is due: at most one indexed read per vault per clock second.
   */
  async rotateDue(target: VaultTarget, now: number): Promise<number> {
    const id = vaultId(target.name, target.kind);
    if (this.checkedAt.get(id) === now) return 0;
    this.checkedAt.set(id, now);
    const due = this.schedule.rotationDue(id, now, MAX_ROTATIONS_PER_CHECK);
    let rotated = 0;
    for (const name of due) if (await this.rotateIfDue(target, id, name)) rotated++;
    return rotated;
  }

  /** Automatic rotation across every vault (the served emulator's timer). */
  async rotateAllDue(): Promise<number> {
    const due = this.schedule.allRotationDue(this.now(), MAX_ROTATIONS_PER_CHECK * 8);
    let rotated = 0;
    for (const { vaultId: id, name } of due) {
      const vault = this.store.getVault(id);
      if (vault && (await this.rotateIfDue({ name: vault.name, kind: vault.kind }, id, name))) rotated++;
    }
    return rotated;
  }

  /** Per vault id, the clock second of its last due check. */
  private readonly checkedAt = new Map<string, number>();

  private async rotateIfDue(target: VaultTarget, id: string, name: string): Promise<boolean> {
    try {
      const record = this.store.getKey(id, name);
      const latest = this.store.getVersion(id, name)?.version;
      if (!record || record.deletion || !latest) return false;
      const policy = parseStoredRotationPolicy(record.rotationPolicy);
      await this.newVersion(target, latest, policy, (vault, current, now) => {
        // Another process (or request) may have rotated it meanwhile: rotate only what is still due.
        const due = this.schedule.nextRotation(vault.id, current.name);
        if (due === undefined || due > now) throw new NotDue();
      });
      return true;
    } catch (err) {
      if (err instanceof NotDue) return false;
      if (err instanceof VaultError) {
        // A rotation the vault refuses (Managed HSM's version cap, a key deleted meanwhile) will not
        // succeed on the next check either: stop retrying until the policy or the key changes.
        this.store.write(() => this.schedule.setNextRotation(id, name, undefined));
        return false;
      }
      throw err;
    }
  }

  /** A new version like the latest: same type, size, curve, operations, tags; expiry from the policy. */
  private async newVersion(
    target: VaultTarget,
    latest: KeyVersion,
    policy: RotationPolicy | undefined,
    check: (vault: Vault, current: KeyVersion, now: number) => void,
  ): Promise<KeyView> {
    const material = await generateKeyMaterial(specOf(latest));
    const attributes: { enabled: boolean; exportable: boolean; expires?: number } = {
      enabled: latest.attributes.enabled,
      exportable: latest.attributes.exportable,
    };
    const expires = rotatedExpiry(policy, this.now());
    if (expires !== undefined) attributes.expires = expires;
    return this.keys.addRotatedVersion(
      target,
      latest.name,
      {
        kty: latest.kty,
        material,
        keyOps: latest.keyOps,
        attributes,
        ...(latest.tags ? { tags: latest.tags } : {}),
        ...(latest.releasePolicy ? { releasePolicy: latest.releasePolicy } : {}),
      },
      check,
    );
  }

  // ---- inside the transactions of key changes (key-changes.ts) ------------------------------------

  /** Managed HSM's cap of 100 versions per key, and the key's next rotation due time. */
  private versionsChanged(vault: Vault, name: string): void {
    if (vault.kind === "managedhsm") {
      const count = this.store.countVersions(vault.id, name);
      if (count > MAX_HSM_KEY_VERSIONS) {
        throw VaultErrors.badParameter(
          `The key ${name} already has ${MAX_HSM_KEY_VERSIONS} versions, the most a managed HSM keeps for one key ` +
            "(rotations count toward the limit). Create a key under a new name.",
        );
      }
    }
    const policy = parseStoredRotationPolicy(this.store.getKey(vault.id, name)?.rotationPolicy);
    if (policy) this.scheduleNext(vault, name, policy);
  }

  private scheduleNext(vault: Vault, name: string, policy: RotationPolicy): void {
    const latest = this.store.getVersion(vault.id, name)?.version;
    const due = latest ? nextRotationDue(policy, { created: latest.attributes.created, ...(latest.attributes.expires !== undefined ? { expires: latest.attributes.expires } : {}) }) : undefined;
    this.schedule.setNextRotation(vault.id, name, due);
  }
}

class NotDue extends Error {}

/** What GET answers for a key without a policy: Key Vault notifies 30 days before expiry; Managed HSM has no actions. */
function defaultPolicy(vault: Vault): RotationPolicyView["policy"] {
  return { lifetimeActions: vault.kind === "vault" ? [{ ...DEFAULT_NOTIFY }] : [] };
}

function specOf(key: KeyVersion): KeySpec {
  const family = keyFamily(key.kty);
  switch (family) {
    case "RSA": {
      const e = Buffer.from(key.publicJwk.e ?? "AQAB", "base64url");
      return { family, size: key.keySize ?? 2048, publicExponent: e.length > 0 ? e.readUIntBE(0, Math.min(e.length, 6)) : 65537 };
    }
    case "EC":
      return { family, curve: key.publicJwk.crv ?? "P-256" };
    case "oct":
      return { family, size: key.keySize ?? 256 };
  }
}
