import { MAX_BACKUP_BLOB_BYTES } from "../service/backup-blob.js";

// How large a request body may be. One megabyte is far more than any key operation needs, and refusing
// more before parsing keeps a hostile client cheap. A restore carries a whole backup: every version of
// a key (up to Key Vault's 500), which for RSA-4096 keys is about 5.6 KB a version in the request. Key
// Vault restores whatever its backup produced, so the emulator does too: a restore may be as large as
// the largest backup the emulator produces (backup-blob.ts refuses any larger one up front), as
// base64url in {"value": ...}, with room for the JSON around it.

/** Every request but a restore. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** POST /keys/restore: the largest backup blob, base64url-encoded, plus the JSON around it. */
export const RESTORE_BODY_BYTES = Math.ceil((MAX_BACKUP_BLOB_BYTES * 4) / 3) + 4096;

/**
 * How much of a request's body the listener reads, before the pipeline knows the operation: the restore
 * limit for a POST whose path ends in /keys/restore, else 1 MiB. A cheap look at the path, not a second
 * routing of every request: the pipeline's limitBody step applies the exact limit once it has routed.
 */
export function bodyLimitFor(method: string, pathname: string): number {
  return method === "POST" && RESTORE_PATH.test(pathname) ? RESTORE_BODY_BYTES : MAX_BODY_BYTES;
}

const RESTORE_PATH = /\/keys\/restore\/?$/i;
