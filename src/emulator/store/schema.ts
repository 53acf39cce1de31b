// The schema and its migrations. Each migration runs once, in order, inside the transaction that
// bumps `schema_version`, so a store is always at one well-defined version.

export const MIGRATIONS: readonly string[] = [
  // 1: vaults, keys (one row per name, carrying the soft-delete state) and key versions.
  `
  CREATE TABLE vaults (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('vault', 'managedhsm')),
    retention_days   INTEGER NOT NULL,
    purge_protection INTEGER NOT NULL,
    created          INTEGER NOT NULL
  ) STRICT;

  -- A key is active while deleted_date is NULL. Soft delete and recovery flip one row, so a key can
  -- never be active and deleted at once.
  CREATE TABLE keys (
    vault_id             TEXT NOT NULL REFERENCES vaults(id),
    name                 TEXT NOT NULL COLLATE NOCASE,
    deleted_date         INTEGER,
    scheduled_purge_date INTEGER,
    rotation_policy      TEXT,
    next_seq             INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (vault_id, name)
  ) STRICT, WITHOUT ROWID;

  CREATE INDEX keys_by_purge_date ON keys (scheduled_purge_date) WHERE scheduled_purge_date IS NOT NULL;

  CREATE TABLE key_versions (
    vault_id        TEXT NOT NULL,
    name            TEXT NOT NULL COLLATE NOCASE,
    version         TEXT NOT NULL COLLATE NOCASE,
    seq             INTEGER NOT NULL,
    kty             TEXT NOT NULL,
    key_size        INTEGER,
    key_ops         TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    not_before      INTEGER,
    expires         INTEGER,
    created         INTEGER NOT NULL,
    updated         INTEGER NOT NULL,
    exportable      INTEGER NOT NULL,
    tags            TEXT,
    managed         INTEGER NOT NULL,
    release_policy  TEXT,
    public_jwk      TEXT NOT NULL,
    material        BLOB NOT NULL,
    PRIMARY KEY (vault_id, name, version),
    FOREIGN KEY (vault_id, name) REFERENCES keys (vault_id, name) ON DELETE CASCADE
  ) STRICT, WITHOUT ROWID;

  CREATE UNIQUE INDEX key_versions_by_seq ON key_versions (vault_id, name, seq);
  `,
  // 2: key lifetime (issue 6): the data directory's clock shift, when each key's Rotate trigger next
  // comes due (one indexed read finds what to rotate), and the emulated HSM platform's own signing keys
  // (attestation authority, key release, key attestation), sealed under the security domain.
  `
  CREATE TABLE clock (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    offset_ms INTEGER NOT NULL
  ) STRICT;
  INSERT INTO clock (id, offset_ms) VALUES (1, 0);

  ALTER TABLE keys ADD COLUMN next_rotation INTEGER;
  CREATE INDEX keys_by_next_rotation ON keys (vault_id, next_rotation) WHERE next_rotation IS NOT NULL;

  CREATE TABLE signing_keys (
    name     TEXT PRIMARY KEY,
    material BLOB NOT NULL,
    chain    TEXT NOT NULL
  ) STRICT;
  `,
];
