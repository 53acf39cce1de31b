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
  // 3: monitoring (issue 11): the audit log of data-plane requests (Key Vault's AuditEvent; no bodies),
  // when each key's next near-expiry or expiry event falls due, the raised Event Grid events (once_key
  // makes each fire once per key version and expiry), webhook subscriptions, and the outbox of
  // deliveries that whichever process has the data directory open works through. The audit log has no
  // index but its rowid: every request inserts a row, while filtering (`kvkey emulator logs`) is rare and
  // scans at most the retained rows.
  `
  CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    time           INTEGER NOT NULL,
    vault_name     TEXT,
    vault_kind     TEXT,
    operation      TEXT NOT NULL,
    api_version    TEXT,
    key_name       TEXT COLLATE NOCASE,
    key_version    TEXT,
    object_id      TEXT,
    status         INTEGER NOT NULL,
    description    TEXT,
    duration_ms    INTEGER NOT NULL,
    caller_ip      TEXT,
    correlation_id TEXT,
    client_info    TEXT,
    request_uri    TEXT,
    identity       TEXT,
    token          TEXT CHECK (token IN ('verified', 'unverified'))
  ) STRICT;

  ALTER TABLE keys ADD COLUMN next_key_event INTEGER;
  CREATE INDEX keys_by_next_key_event ON keys (next_key_event) WHERE next_key_event IS NOT NULL;

  CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    once_key    TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    vault_id    TEXT NOT NULL,
    key_name    TEXT NOT NULL COLLATE NOCASE,
    key_version TEXT NOT NULL,
    event_time  INTEGER NOT NULL,
    body        TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_by_key ON events (key_name);

  CREATE TABLE event_subscriptions (
    name        TEXT PRIMARY KEY COLLATE NOCASE,
    endpoint    TEXT NOT NULL,
    event_types TEXT,
    vault_id    TEXT,
    created     INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE event_deliveries (
    event_seq    INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    subscription TEXT NOT NULL COLLATE NOCASE REFERENCES event_subscriptions (name) ON DELETE CASCADE,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL,
    next_attempt INTEGER NOT NULL,
    lease_until  INTEGER,
    last_error   TEXT,
    created      INTEGER NOT NULL,
    updated      INTEGER,
    done_at      INTEGER,
    PRIMARY KEY (event_seq, subscription)
  ) STRICT;
  CREATE INDEX event_deliveries_due ON event_deliveries (next_attempt) WHERE state = 'pending';
  CREATE INDEX event_deliveries_by_subscription ON event_deliveries (subscription);
  `,
  // 4: whether a container's soft-delete retention has been set (issue 18). As in Azure it is set once,
  // at creation or by one later change, then fixed; a container made by its first key has the default
  // (90) without having set it. A retention other than 90 was certainly set.
  `
  ALTER TABLE vaults ADD COLUMN retention_set INTEGER NOT NULL DEFAULT 0;
  UPDATE vaults SET retention_set = 1 WHERE retention_days <> 90;
  `,
];
