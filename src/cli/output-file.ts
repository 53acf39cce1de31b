import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fsReason } from "../shared/files.js";
import { CliError } from "./errors.js";

// Files commands write for the user (backup, download, get-attestation, byok-blob): every way the write
// can fail is one line naming the file and why, never Node's "ENOENT: no such file or directory, open ...".

/**
 * Refuses, before any request is made, a path whose directory does not exist or is not a directory, or
 * that is itself a directory: the answer would otherwise be fetched and then lost.
 */
export function checkOutputPath(path: string, what: string): void {
  const dir = dirname(path);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot write ${what} ${path}: ${code === "ENOENT" ? `the directory ${dir} does not exist` : fsReason(err)}.`);
  }
  if (!isDir) throw new CliError(`Cannot write ${what} ${path}: ${dir} is a file, not a directory.`);
  try {
    if (statSync(path).isDirectory()) throw new CliError(`Cannot write ${what} ${path}: it is a directory.`);
  } catch (err) {
    if (err instanceof CliError) throw err;
  }
}

/** One line for a failed write of `what` at `path`. */
export function writeFailed(err: unknown, path: string, what: string): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? `the directory ${dirname(path)} does not exist` : fsReason(err);
  return new CliError(`Cannot write ${what} ${path}: ${reason}.`);
}

/**
 * Writes a private file (a backup) as a whole or not at all: into a temporary file beside it (0600), flushed,
 * then renamed over the target. A file that was there before is replaced, so it ends 0600 whatever its
 * mode was, and a full disk or a kill leaves the old file (or none), never half a backup.
 */
export function writePrivateFile(path: string, bytes: Uint8Array, what: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, "wx", 0o600);
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw writeFailed(err, path, what);
  }
}
