import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DATABASE_FILE, SqliteKeyStore } from "../../../src/emulator/store/sqlite-store.js";
import { MIGRATIONS } from "../../../src/emulator/store/schema.js";
import { tempDataDir } from "../../helpers/emulator.js";

// The schema version and migrations: a store is always at one known version, never half-migrated, and a
// data directory written by a newer kvkey is refused rather than misread.

let temp: { dir: string; cleanup: () => void };
beforeEach(() => {
  temp = tempDataDir("kvkey-store-");
});
afterEach(() => temp.cleanup());

function schemaVersion(dir: string): string | undefined {
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare("SELECT v FROM meta WHERE k = 'schema_version'").get() as { v: string } | undefined)?.v;
  } finally {
    db.close();
  }
}

describe("SqliteKeyStore schema", () => {
  it("records the schema version of a new store and uses WAL", () => {
    const store = new SqliteKeyStore(temp.dir);
    store.close();
    expect(schemaVersion(temp.dir)).toBe(String(MIGRATIONS.length));
    const db = new Database(join(temp.dir, DATABASE_FILE), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("reopens an existing store without re-running its migrations", () => {
    const first = new SqliteKeyStore(temp.dir);
    first.write(() =>
      first.insertVault({ id: "v.vault", name: "v", kind: "vault", retentionDays: 90, purgeProtection: false, created: 1 }),
    );
    first.close();
    const second = new SqliteKeyStore(temp.dir);
    expect(second.read(() => second.getVault("v.vault"))?.name).toBe("v");
    second.close();
  });

  it("refuses a data directory written by a newer kvkey", () => {
    new SqliteKeyStore(temp.dir).close();
    const db = new Database(join(temp.dir, DATABASE_FILE));
    db.prepare("UPDATE meta SET v = ? WHERE k = 'schema_version'").run(String(MIGRATIONS.length + 1));
    db.close();
    expect(() => new SqliteKeyStore(temp.dir)).toThrow(/newer kvkey/);
  });

  it("rolls back a write that fails half-way: one transaction per change", () => {
    const store = new SqliteKeyStore(temp.dir);
    store.write(() =>
      store.insertVault({ id: "v.vault", name: "v", kind: "vault", retentionDays: 90, purgeProtection: false, created: 1 }),
    );
    expect(() =>
      store.write(() => {
        store.insertKey("v.vault", "k");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(store.read(() => store.getKey("v.vault", "k"))).toBeUndefined();
    store.close();
  });
});
