import { chmodSync, statSync } from "node:fs";

// kvkey keeps secrets in its data directory (the security domain, TLS keys, the identity header in
// emulator.json): the directory is 0700 and every file in it 0600. Files and directories that already
// exist with looser modes (made by hand, restored from a backup, left by an older kvkey) are tightened
// whenever kvkey opens them.

/**
 * Removes any permission bit beyond `mode` from an existing file or directory (0644 -> 0600; a stricter
 * 0400 stays). False when the path is missing or its mode cannot be changed (another owner).
 */
export function tightenMode(path: string, mode: number): boolean {
  try {
    const current = statSync(path).mode & 0o777;
    if ((current & ~mode) !== 0) chmodSync(path, current & mode);
    return true;
  } catch {
    return false;
  }
}
