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
  // 4: failing like Azure (issue 22): a key vault's SKU (a Standard vault refuses HSM keys), whether a
  // container enforces role-based access (off unless asked), its role assignments, and a Managed HSM's
  // own security domain (32 bytes, sealed under the data directory's; NULL for an HSM created before this
  // migration, which keeps using the data directory's domain so its old backups still restore).
  `
  ALTER TABLE vaults ADD COLUMN sku TEXT NOT NULL DEFAULT 'premium' CHECK (sku IN ('standard', 'premium'));
  ALTER TABLE vaults ADD COLUMN rbac_authorization INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE vaults ADD COLUMN security_domain BLOB;

  CREATE TABLE role_assignments (
    vault_id           TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    name               TEXT NOT NULL COLLATE NOCASE,
    scope              TEXT NOT NULL COLLATE NOCASE,
    role_definition_id TEXT NOT NULL COLLATE NOCASE,
    principal_id       TEXT NOT NULL COLLATE NOCASE,
    created            INTEGER NOT NULL,
    PRIMARY KEY (vault_id, name)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX role_assignments_by_principal ON role_assignments (vault_id, principal_id);
  `,
  // 5: failing like Azure (issue 22), all opt-in, all shared by every process on the data directory:
  // soft-delete transitions still in progress under the Azure timing profile (a row per key that is
  // being deleted, recovered, purged or restored, until the emulator time it settles; a key that goes
  // takes its row with it), the service limits' usage per vault in 100 ms buckets, the fault rules
  // (`kvkey emulator fault`) with how often each fired and the seeded draw counter, and the audit
  // record's mark of an injected fault.
  `
  CREATE TABLE key_transitions (
    vault_id TEXT NOT NULL,
    name     TEXT NOT NULL COLLATE NOCASE,
    kind     TEXT NOT NULL CHECK (kind IN ('deleting', 'recovering', 'purging', 'restoring')),
    until_ms INTEGER NOT NULL,
    PRIMARY KEY (vault_id, name)
  ) STRICT, WITHOUT ROWID;
  CREATE TRIGGER key_transitions_gone AFTER DELETE ON keys BEGIN
    DELETE FROM key_transitions WHERE vault_id = old.vault_id AND name = old.name;
  END;

  CREATE TABLE throttle_usage (
    vault_id  TEXT NOT NULL,
    budget    TEXT NOT NULL,
    bucket_ms INTEGER NOT NULL,
    cost      INTEGER NOT NULL,
    PRIMARY KEY (vault_id, budget, bucket_ms)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE fault_rules (
    position INTEGER PRIMARY KEY,
    spec     TEXT NOT NULL,
    injected INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE fault_settings (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    seed    INTEGER NOT NULL,
    draws   INTEGER NOT NULL
  ) STRICT;
  INSERT INTO fault_settings (id, version, seed, draws) VALUES (1, 0, 0, 0);

  ALTER TABLE audit_log ADD COLUMN fault TEXT;
  `,
  // 6: whether a container's soft-delete retention has been set (issue 18). As in Azure it is set once,
  // at creation or by one later change, then fixed; a container made by its first key has the default
  // (90) without having set it. A retention other than 90 was certainly set.
  `
  ALTER TABLE vaults ADD COLUMN retention_set INTEGER NOT NULL DEFAULT 0;
  UPDATE vaults SET retention_set = 1 WHERE retention_days <> 90;
  `,
];
