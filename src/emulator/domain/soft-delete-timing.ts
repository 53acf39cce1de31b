// The Azure timing profile's soft-delete transitions (issue 22; docs/emulator.md, "Azure timing
// profile"). On the service, deleting, recovering, purging and restoring a key are asynchronous: the call
// answers at once and the key settles in its new state a little later. Until it has:
//   deleting   (after DELETE /keys/{name})       GET /deletedkeys/{name} is 404 and the key is not listed
//                                                 as deleted; recover and purge are 409 ObjectIsBeingDeleted;
//                                                 create, import or restore of the name is 409 too
//   recovering (after POST .../recover)           GET /keys/{name} (and everything that reads the key) is
//                                                 404; create, import or restore of the name is 409
//                                                 ObjectIsBeingRecovered
//   purging    (after DELETE /deletedkeys/{name}) the deleted key is still there (GET 200, listed); then it
//                                                 is gone; meanwhile recover, purge, create, import and
//                                                 restore of the name are 409 ObjectIsBeingDeleted
//   restoring  (after POST /keys/restore)         the key reads normally; create, import, restore and
//                                                 delete of the name are 409 ObjectIsBeingRecovered
// Delays are measured on the emulator clock, so tests move the clock instead of waiting.

export type TransitionKind = "deleting" | "recovering" | "purging" | "restoring";

/** How long each transition takes (emulator-clock milliseconds); 0: it settles at once, as without the profile. */
export interface SoftDeleteDelays {
  deleteMs: number;
  recoverMs: number;
  purgeMs: number;
  restoreMs: number;
}

/**
 * The profile's delays. The service's own vary widely: in the JS SDK's recordings a deleted key appeared in
 * /deletedkeys within the same second (northcentralus, Nov 2022), after about 5 s (northcentralus, May
 * 2022; a recovered key likewise became readable after about 5 s) and after about 78 s (westus, Apr 2020;
 * recovery there took about 83 s); the C++ SDK's tests note that a delete "would usually complete in ~20
 * seconds". 5 s is the recent typical case: with the SDKs' default 2 s poll interval a delete or recover
 * poller takes several polls, as against Azure. `--soft-delete-delay` sets another value.
 */
export const AZURE_SOFT_DELETE_DELAYS: SoftDeleteDelays = Object.freeze({ deleteMs: 5_000, recoverMs: 5_000, purgeMs: 5_000, restoreMs: 5_000 });

export function delayOf(delays: SoftDeleteDelays, kind: TransitionKind): number {
  switch (kind) {
    case "deleting":
      return delays.deleteMs;
    case "recovering":
      return delays.recoverMs;
    case "purging":
      return delays.purgeMs;
    case "restoring":
      return delays.restoreMs;
  }
}
