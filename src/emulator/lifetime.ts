import type { VaultTarget } from "./domain/vault.js";
import type { KeyEvents } from "./events/key-events.js";
import type { ClockWork } from "./http/pipeline.js";
import type { DeletedKeys } from "./service/deleted-keys.js";
import type { RotationService } from "./service/rotation-service.js";
import { toUnixSeconds } from "../shared/time.js";

// Everything the emulator does because time passed, in one place. Under the emulator clock (real time
// plus the data directory's shift) three things fall due: deleted keys reach their scheduled purge date,
// keys reach their rotation policy's Rotate trigger, and key versions come near their expiry or expire
// (Event Grid's KeyNearExpiry and KeyExpired). None of it runs on its own: it happens when something
// looks, so the results are deterministic under a manual clock.
//
// Who looks:
//   - a request that reaches a vault: the pipeline's tick step (http/pipeline.ts) calls tick() for that
//     vault before the operation, so the operation sees the vault as it is now;
//   - the served emulator's timers: rotateAllDue() every minute (server.ts), and every second the key
//     events' own timer (EventHub.startBackground, which also delivers webhooks);
//   - a clock shift (Emulator.setTimeShift/advanceTime): raiseAllDue().
// Each part remembers the clock second it last checked a vault, so a busy vault pays one indexed read
// per part per second. What a key change makes due (a new version already near its expiry) is raised
// in the change's own transaction instead (events/key-events.ts).

export class Lifetime implements ClockWork {
  constructor(
    private readonly parts: {
      deleted: DeletedKeys;
      rotation: RotationService;
      /** Key events (monitoring.ts); none: the emulator raises no events. */
      events?: KeyEvents;
    },
  ) {}

  /** A request reached `vault` at `nowMs` (emulator clock): bring the vault up to date, in this order. */
  async tick(vault: VaultTarget, nowMs: number): Promise<void> {
    const now = toUnixSeconds(nowMs);
    // 1. Deleted keys past their purge date are gone (a read of them must 404, a create of the name succeed),
    //    and so are keys whose purge has settled under the Azure timing profile.
    this.parts.deleted.settleTransitions(vault);
    this.parts.deleted.purgeDue(vault, now);
    // 2. Keys whose Rotate trigger is due get their new version (a read must see it).
    await this.parts.rotation.rotateDue(vault, now);
    // 3. Near-expiry and expiry events that have fallen due are raised (after rotation: a key rotated
    //    just now is judged by its new version).
    this.raiseDue(vault, nowMs);
  }

  /** Automatic rotation in every vault (the served emulator's timer). */
  rotateAllDue(): Promise<number> {
    return this.parts.rotation.rotateAllDue();
  }

  /** Due key events in every vault (a clock shift; the served emulator's event timer). */
  raiseAllDue(): number {
    try {
      return this.parts.events?.raiseAllDue() ?? 0;
    } catch {
      return 0; // the next request or tick raises them
    }
  }

  private raiseDue(vault: VaultTarget, nowMs: number): void {
    try {
      this.parts.events?.vaultTouched(vault, nowMs);
    } catch {
      // Events are the emulator's own business: a request never fails because of them.
    }
  }
}
