import { BUDGET_UNITS, LIMIT_WINDOW_MS, type LimitCharge, type LimitedKey } from "../domain/service-limits.js";
import { vaultId, type VaultTarget } from "../domain/vault.js";
import type { ThrottleStore } from "../store/throttle-store.js";
import type { KeyRepository } from "./key-repository.js";

/**
 * Key Vault's transaction limits (domain/service-limits.ts): each counted request is charged to its
 * vault's budget over the last 10 seconds of the emulator clock; past the budget the caller is told how
 * long to wait. Usage lives in the database, so every process on a data directory counts together.
 */
export class ServiceLimits {
  constructor(
    private readonly repo: KeyRepository,
    private readonly usage: ThrottleStore,
  ) {}

  /** The key a request names, as the limits weigh it (its latest version, active or deleted); none if it does not exist. */
  keyOf(target: VaultTarget, name: string): LimitedKey | undefined {
    const { store } = this.repo;
    return store.read(() => {
      const stored = store.getVersion(vaultId(target.name, target.kind), name);
      if (!stored) return undefined;
      const key: LimitedKey = { kty: stored.version.kty };
      if (stored.version.keySize !== undefined) key.keySize = stored.version.keySize;
      return key;
    });
  }

  /** Charges the request; undefined when it is within the limits, else the whole seconds to wait (at least 1). */
  charge(target: VaultTarget, charge: LimitCharge): number | undefined {
    const id = vaultId(target.name, target.kind);
    const now = this.repo.clock.now();
    const result = this.repo.store.write(() => this.usage.charge(id, charge.budget, charge.cost, BUDGET_UNITS, now, LIMIT_WINDOW_MS));
    return result.ok ? undefined : Math.max(1, Math.ceil(result.retryAfterMs / 1000));
  }
}
