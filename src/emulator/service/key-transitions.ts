import type { Clock } from "../domain/clock.js";
import { VaultErrors } from "../domain/errors.js";
import { delayOf, type SoftDeleteDelays, type TransitionKind } from "../domain/soft-delete-timing.js";
import type { KeyTransitionStore } from "../store/key-transition-store.js";

/**
 * Soft-delete transitions under the Azure timing profile (domain/soft-delete-timing.ts says what each
 * one means for a request). The key services ask it whether a key is mid-transition; without the profile
 * there is no KeyTransitions at all and nothing here runs. State lives in the database, so every process
 * on a data directory (cluster workers, the CLI) sees the same transitions; time is the emulator clock.
 * Every method runs inside the caller's store transaction.
 */
export class KeyTransitions {
  constructor(
    private readonly store: KeyTransitionStore,
    private readonly clock: Clock,
    private readonly delays: SoftDeleteDelays,
  ) {}

  /** The key's transition that has not settled yet, if any. */
  current(vaultId: string, name: string): TransitionKind | undefined {
    const row = this.store.get(vaultId, name);
    return row && row.untilMs > this.clock.now() ? row.kind : undefined;
  }

  /** A purge whose time has come counts as done, even before the vault's tick carries it out. */
  purgeDue(vaultId: string, name: string): boolean {
    const row = this.store.get(vaultId, name);
    return row?.kind === "purging" && row.untilMs <= this.clock.now();
  }

  /** Starts a transition; false when its delay is 0 (the change settles at once, as without the profile). */
  begin(vaultId: string, name: string, kind: TransitionKind): boolean {
    const now = this.clock.now();
    // Settled rows of the vault are forgotten here, in a write that happens anyway.
    this.store.sweep(vaultId, now);
    const delay = delayOf(this.delays, kind);
    if (delay <= 0) {
      this.store.clear(vaultId, name);
      return false;
    }
    this.store.set(vaultId, name, kind, now + delay);
    return true;
  }

  end(vaultId: string, name: string): void {
    this.store.clear(vaultId, name);
  }

  /** Names (lower case) of the vault's keys in one of `kinds` right now: what a list leaves out. */
  inProgress(vaultId: string, kinds: readonly TransitionKind[]): Set<string> {
    const names = new Set<string>();
    if (!this.store.any(vaultId)) return names;
    for (const row of this.store.active(vaultId, this.clock.now())) if (kinds.includes(row.kind)) names.add(row.name.toLowerCase());
    return names;
  }

  /**
   * Before a create, import or restore takes `name`: 409 while the name's key is being deleted or purged
   * (ObjectIsBeingDeleted) or being recovered or restored (ObjectIsBeingRecovered), as the service answers.
   */
  assertNameFree(vaultId: string, name: string): void {
    switch (this.current(vaultId, name)) {
      case "deleting":
      case "purging":
        throw VaultErrors.keyBeingDeleted(name);
      case "recovering":
      case "restoring":
        throw VaultErrors.keyBeingRecovered(name);
      case undefined:
        return;
    }
  }

  /** Names whose purge has come due (the vault's tick purges them), when the vault has transitions at all. */
  duePurges(vaultId: string): string[] {
    if (!this.store.any(vaultId)) return [];
    return this.store.duePurges(vaultId, this.clock.now());
  }
}
