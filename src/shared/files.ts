import { chmodSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

// kvkey keeps secrets in its data directory (the security domain, TLS keys, the identity header in
// emulator.json): the directory is 0700 and every file in it 0600. Files and directories that already
// exist with looser modes (made by hand, restored from a backup, left by an older kvkey) are tightened
// whenever kvkey opens them.

/**
 * Removes any permission bit beyond `mode` from an existing file or directory (0644 -> 0600; a stricter
 * 0400 stays 0400: bits are only ever taken away). False when the path is missing or its mode cannot be
 * changed (another owner, a read-only file system): reading must still work there.
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

/** A file or directory kvkey needs could not be made or used; the message is one line that says why. */
export class DataPathError extends Error {
  override name = "DataPathError";
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What an errno code means, in words: "no such file or directory", "the disk is full". */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "ENOTDIR":
      return "a part of the path is a file, not a directory";
    case "EISDIR":
      return "it is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOSPC":
      return "the disk is full";
    case "EDQUOT":
      return "the disk quota is exhausted";
    case "ENAMETOOLONG":
      return "the path is too long";
    case "ELOOP":
      return "too many symbolic links in the path";
    case "EEXIST":
      return "something else already has that name";
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/**
 * Creates a directory and any missing parents, each with `mode`; an existing one is left as it is.
 * Not `mkdirSync({ recursive: true })`: on Node 20 that spins forever on a path it can never create
 * (KVKEY_HOME=/proc/nope: mkdir says ENOENT while the parent exists). Here every step is one mkdir, so
 * a failure is reported with the path that could not be made.
 */
export function ensureDirectory(path: string, mode: number, what = "the directory"): void {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(dir).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a parent is a file; walking up finds it and names it below.
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new DataPathError(`Cannot create ${what} ${target}: ${fsReason(err)} (${dir}).`, code);
      missing.push(dir);
      if (dirname(dir) === dir) break;
      continue;
    }
    if (!isDirectory) {
      throw new DataPathError(`Cannot create ${what} ${target}: ${dir} is a file, not a directory.`, "ENOTDIR");
    }
    break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && statSync(dir).isDirectory()) continue; // another process made it meanwhile
      // The parent exists (it was checked or made just before): ENOENT means the file system refuses (/proc).
      const reason = code === "ENOENT" ? `${dirname(dir)} does not allow new directories` : fsReason(err);
      throw new DataPathError(`Cannot create ${what} ${target}: ${reason} (mkdir ${dir}: ${code}).`, code);
    }
  }
}

/** The files kvkey keeps in a data directory, by the loosest mode each may have. */
const DATA_DIR_FILES: ReadonlyArray<readonly [string, number]> = [
  ["kvkey.db", 0o600],
  ["kvkey.db-wal", 0o600],
  ["kvkey.db-shm", 0o600],
  ["security-domain.json", 0o600],
  ["config.json", 0o600],
  ["emulator.json", 0o600], // it holds the identity header
  ["emulator.log", 0o600],
  ["shell_history", 0o600],
  ["tls", 0o700],
  ["tls/ca-key.pem", 0o600],
  ["tls/server-key.pem", 0o600],
  // Public, but clients are told to trust them: nobody else may write them.
  ["tls/ca.pem", 0o644],
  ["tls/server.pem", 0o644],
  ["emulator-ca.pem", 0o644],
];

/**
 * Tightens the data directory and every file kvkey keeps in it that exists (see DATA_DIR_FILES): what
 * `kvkey emulator start` does, for the commands that read the directory without opening all of it
 * (status, logs, a CLI talking to a served emulator). Never creates anything, never loosens.
 */
export function tightenDataDir(dir: string): void {
  tightenMode(dir, 0o700);
  for (const [name, mode] of DATA_DIR_FILES) tightenMode(join(dir, name), mode);
}

/**
 * A CA certificate clients are told to trust: tightened to 0644 at most, and refused when others can
 * still write it (another owner), since whoever can write it can make the client trust any server.
 */
export function trustableCaFile(path: string): void {
  tightenMode(path, 0o644);
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o022) !== 0) {
    throw new DataPathError(
      `${path} is writable by other users (mode 0${mode.toString(8)}) and kvkey cannot change its mode: a CA certificate anyone can replace is not trusted. Remove group and other write permission (chmod go-w).`,
      "EPERM",
    );
  }
}
