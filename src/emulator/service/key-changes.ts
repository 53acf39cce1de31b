import type { Vault } from "../domain/vault.js";

// Who hears about a key change, inside the transaction that makes it. Rotation (the Managed HSM version
// cap, the next rotation due time) and key events (KeyNewVersionCreated, the next expiry event) listen;
// a listener that throws rolls the change back, so one that must never undo a change catches its own
// errors.

export interface KeyChange {
  vault: Vault;
  /** The key's name as stored (its case). */
  name: string;
  /** Unix seconds of the change. */
  now: number;
  /**
   * `versions`: a version was added or changed (create, import, rotate, update, restore);
   * `dates`: the key's dates or policy moved without one (rotation policy set, key recovered).
   */
  what: "versions" | "dates";
}

export type KeyChangeListener = (change: KeyChange) => void;

export class KeyChanges {
  private readonly listeners: KeyChangeListener[] = [];

  /** Listeners run in the order they were added. */
  listen(listener: KeyChangeListener): void {
    this.listeners.push(listener);
  }

  /** Call inside the write transaction that made the change. */
  changed(change: KeyChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
