import { readdirSync, readFileSync, readlinkSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { DataPathError, fsReason } from "../../shared/files.js";

// What SQLite and the file system say when the machine, not the request, is the problem: a full disk,
// a read-only data directory, another process holding the database's lock. Their own words ("disk
// I/O error", "database is locked", "EROFS") say neither what to do nor where; these messages say both.
// Used where the data directory is opened (one line from the CLI) and in the handler's answer to a
// request that failed for such a reason (served, the client reads it; nothing else is in it).

export const DATABASE_FILE = "kvkey.db";

/**
 * A writer waits this long for another process's transaction before giving up. CI runs several kvkey
 * processes against one data directory; RSA-4096 generation happens outside transactions, so waits are
 * short. KVKEY_BUSY_TIMEOUT_MS shortens it (tests that hold the lock from outside).
 */
export const BUSY_TIMEOUT_MS = busyTimeout(process.env.KVKEY_BUSY_TIMEOUT_MS);

function busyTimeout(value: string | undefined): number {
  const ms = value === undefined ? NaN : Number(value);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : 30_000;
}

const FULL = new Set(["SQLITE_FULL", "ENOSPC", "EDQUOT"]);

/** One line for an error caused by the data directory's disk or file system, or undefined for anything else. */
export function storageProblem(err: unknown, dataDir: string | undefined): string | undefined {
  if (err instanceof DataPathError) return err.message;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return undefined;
  const where = dataDir ?? "the emulator's data directory";
  if (onFullDisk(err, dataDir)) {
    return `The disk holding ${where} is full${FULL.has(code) ? ` (${code})` : ""}: kvkey cannot write there, and a change that failed was not made. Free some space, then retry.`;
  }
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS") {
    return `The data directory ${where} is read-only (${code}): kvkey can read the keys there but cannot change them.`;
  }
  if (code.startsWith("SQLITE_BUSY") || code === "SQLITE_LOCKED") {
    const file = dataDir ? join(dataDir, DATABASE_FILE) : DATABASE_FILE;
    const holders = dataDir ? lockHolders(file) : [];
    return (
      `The database ${file} stayed locked by another process for ${BUSY_TIMEOUT_MS / 1000} s (${code})` +
      `${holders.length > 0 ? `; processes that have it open: ${holders.join(", ")}` : ""}. Retry when that process has finished, or stop it.`
    );
  }
  if (code.startsWith("SQLITE_IOERR") || code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB") {
    return `Reading or writing the database in ${where} failed (${code}: ${(err as Error).message}): check the disk and the file.`;
  }
  if (code === "SQLITE_CANTOPEN") return `The database in ${where} cannot be opened (${code}): check that the directory and kvkey.db are readable.`;
  if (/^E[A-Z]+$/.test(code) && typeof (err as NodeJS.ErrnoException).path === "string") {
    const e = err as NodeJS.ErrnoException;
    return `Cannot use ${e.path} (${e.syscall ?? "access"}): ${fsReason(err)} (${code}).`;
  }
  return undefined;
}

/** True for an error a full disk caused: SQLITE_FULL or ENOSPC, or an I/O or read-only error while the disk has no space left. */
export function onFullDisk(err: unknown, dataDir: string | undefined): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return false;
  if (FULL.has(code)) return true;
  const couldBe = code.startsWith("SQLITE_IOERR") || code.startsWith("SQLITE_READONLY") || code === "SQLITE_CANTOPEN";
  return couldBe && diskFull(dataDir);
}

/** An error for the CLI: the storage message when there is one, the error itself otherwise. */
export function asStorageError(err: unknown, dataDir: string | undefined): unknown {
  if (err instanceof DataPathError) return err;
  const message = storageProblem(err, dataDir);
  return message === undefined ? err : new DataPathError(message, (err as { code?: string }).code);
}

/**
 * SQLite reports a write the disk could not take as SQLITE_IOERR_WRITE or _FSYNC as often as SQLITE_FULL;
 * the file system says whether that was a full disk. Less than 64 KiB free counts as full.
 */
function diskFull(dataDir: string | undefined): boolean {
  if (!dataDir) return false;
  try {
    const fs = statfsSync(dataDir);
    const available = process.getuid?.() === 0 ? fs.bfree : fs.bavail;
    return available * fs.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

/** The other processes with the database (or its WAL or shared memory) open, from /proc: "pid 1234 (sqlite3)". */
function lockHolders(file: string): string[] {
  const targets = new Set([file, `${file}-wal`, `${file}-shm`]);
  const found: string[] = [];
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return found; // not Linux
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return targets.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let name = "";
    try {
      name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      // gone meanwhile
    }
    found.push(`pid ${pid}${name ? ` (${name})` : ""}`);
    if (found.length === 5) break;
  }
  return found;
}
