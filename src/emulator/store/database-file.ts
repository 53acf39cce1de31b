import Database from "better-sqlite3";
import { accessSync, closeSync, constants, copyFileSync, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { MIGRATIONS } from "./schema.js";
import { DataPathError, ensureDirectory, tightenMode } from "../../shared/files.js";
import { asStorageError, BUSY_TIMEOUT_MS, DATABASE_FILE, onFullDisk } from "./storage-errors.js";

// Opening the data directory's database: the directory and file modes, the native addon, the pragmas,
// the schema migrations, and the fallbacks for a directory that cannot be written (a read-only mount,
// a full disk), which are read from a private query-only copy. sqlite-store.ts holds the statements.

export interface OpenedDatabase {
  db: Database.Database;
  /** Set when the data directory cannot be written and the store reads a private copy (remove on close). */
  snapshot?: { remove: () => void };
}

/** dataDir undefined: an in-memory database that vanishes with the process. */
export function openDatabase(dataDir?: string): OpenedDatabase {
  let db: Database.Database;
  let opened: Database.Database | undefined;
  let snapshot: { file: string; remove: () => void } | undefined;
  const open = (file: string): Database.Database => {
    opened = new Database(file, { nativeBinding: sqliteAddon() });
    opened.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (dataDir) opened.pragma("journal_mode = WAL");
    // FULL makes every acknowledged write survive power loss as well as a killed process.
    opened.pragma("synchronous = FULL");
    opened.pragma("foreign_keys = ON");
    return opened;
  };
  try {
    let file = ":memory:";
    if (dataDir) {
      file = prepareDataDir(dataDir);
      if (!writable(dataDir)) {
        snapshot = readOnlySnapshot(dataDir);
        file = snapshot.file;
      }
    }
    try {
      db = open(file);
      migrate(db);
    } catch (err) {
      // On a full disk SQLite cannot even make its shared-memory file, so nothing could be read: read
      // from a copy elsewhere (the temporary directory), as for a read-only directory; changes are refused.
      if (!dataDir || snapshot || !onFullDisk(err, dataDir)) throw err;
      if (opened?.open) opened.close();
      snapshot = readOnlySnapshot(dataDir);
      db = open(snapshot.file);
      migrate(db);
    }
    if (snapshot) db.pragma("query_only = ON");
    return snapshot ? { db, snapshot } : { db };
  } catch (err) {
    if (opened?.open) opened.close();
    snapshot?.remove();
    // A full disk, a read-only or locked database, a path that cannot be a directory: one line that says so.
    throw asStorageError(err, dataDir);
  }
}

function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) STRICT");
  const run = db.transaction(() => {
    const row = db.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get() as { v: string } | undefined;
    const current = row ? Number(row.v) : 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `this data directory was written by a newer kvkey (schema ${current}; this kvkey knows ${MIGRATIONS.length}). Upgrade kvkey.`,
      );
    }
    for (let i = current; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
    if (current !== MIGRATIONS.length) {
      db.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('schema_version', ?)").run(String(MIGRATIONS.length));
    }
  });
  run.immediate();
}

/**
 * Creates the data directory (0700) and the database file (0600) before SQLite touches them; an existing
 * one that is looser is tightened (never loosened: a 0500 directory stays 0500).
 */
function prepareDataDir(dataDir: string): string {
  ensureDirectory(dataDir, 0o700, "the data directory");
  tightenMode(dataDir, 0o700);
  const file = join(dataDir, DATABASE_FILE);
  // SQLite gives its -wal and -shm files the permissions of the database file, so 0600 here covers them.
  if (!existsSync(file)) {
    if (!writable(dataDir)) {
      throw new DataPathError(`The data directory ${dataDir} is read-only and holds no kvkey database yet: kvkey cannot create one there.`, "EROFS");
    }
    closeSync(openSync(file, "a", 0o600));
  }
  tightenMode(file, 0o600);
  // A WAL or shared-memory file left looser (by hand, or by an older kvkey) keeps its mode when reused.
  for (const extra of ["-wal", "-shm"]) tightenMode(`${file}${extra}`, 0o600);
  return file;
}

/** False when this process cannot write the directory or the database (a read-only mount, another owner). */
function writable(dataDir: string): boolean {
  try {
    accessSync(dataDir, constants.W_OK);
    const file = join(dataDir, DATABASE_FILE);
    if (existsSync(file)) accessSync(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * SQLite cannot open a WAL database where it cannot create the shared-memory file, not even to read
 * it. A data directory this process cannot write (a read-only mount, a directory of another owner) is
 * read from a private copy of the database (and its WAL), opened query-only: reads answer as usual,
 * and any change is refused with SQLITE_READONLY, which storage-errors.ts words for the original place.
 */
function readOnlySnapshot(dataDir: string): { file: string; remove: () => void } {
  const file = join(dataDir, DATABASE_FILE);
  const dir = mkdtempSync(join(tmpdir(), "kvkey-readonly-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    copyFileSync(file, join(dir, DATABASE_FILE));
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, join(dir, `${DATABASE_FILE}-wal`));
  } catch (err) {
    remove();
    throw err;
  }
  return { file: join(dir, DATABASE_FILE), remove };
}

let addonPath: string | undefined;

/**
 * Where better-sqlite3's compiled addon is. The build bundles better-sqlite3's JavaScript into kvkey's
 * chunks (required file by file from node_modules it cost ~7 ms of every kvkey command), so the
 * package's own search for its addon (the `bindings` package, relative to the calling file) would look
 * in the wrong place; the addon is found here, from the installed package, and handed over as
 * `nativeBinding`. That also skips `bindings`' walk through a dozen candidate directories.
 */
function sqliteAddon(): string {
  if (addonPath !== undefined) return addonPath;
  let file: string | undefined;
  try {
    const pkg = createRequire(import.meta.url).resolve("better-sqlite3/package.json");
    file = join(dirname(pkg), "build", "Release", "better_sqlite3.node");
  } catch {
    // Not resolvable: reported below.
  }
  if (!file || !existsSync(file)) {
    throw new Error(
      `better-sqlite3's native addon is missing${file ? ` (${file})` : ""}: kvkey keeps its state in SQLite. Reinstall kvkey, or run \`npm rebuild better-sqlite3\` where it is installed.`,
    );
  }
  addonPath = file;
  return file;
}
