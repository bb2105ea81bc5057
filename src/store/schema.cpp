// SPDX-License-Identifier: Apache-2.0
#include "schema.hpp"

#include "copy.hpp"

namespace fuma::store {

// SQLite: tables are STRICT so a value of the wrong type is an error, not a
// silent conversion. Applications and attachments use AUTOINCREMENT because
// they can be deleted: their ids live on in events and audit targets
// ("application:42") and must never name a different row later. Rows of
// the other tables are never deleted, so their ids are never reused anyway.
//
// PostgreSQL: the same tables, indexes and constraints in its dialect (see
// the note at version 2), so that each rule holds by the database's own
// means whichever process writes.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      // 0 -> 1: the metadata every fuma database carries.
      {// SQLite
       "CREATE TABLE meta ("
       "  key   TEXT PRIMARY KEY,"
       "  value TEXT NOT NULL"
       ") STRICT;"
       "INSERT INTO meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));",
       R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO meta(key, value)
  VALUES ('created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
)sql"},

      // 1 -> 2: the records of the service.
      {// SQLite
       R"sql(
CREATE TABLE authorities (
  id          INTEGER PRIMARY KEY,
  code        TEXT NOT NULL CONSTRAINT authority_code_not_empty CHECK (code <> ''),
  name        TEXT NOT NULL,
  division    TEXT NOT NULL
              CONSTRAINT division_is_6_digits
              CHECK (length(division) = 6 AND division NOT GLOB '*[^0-9]*'),
  segment     TEXT NOT NULL,
  -- The next organisation-code serial (take_serial): a counter in the row
  -- so that it commits, or not, with the registration that used it.
  next_serial INTEGER NOT NULL DEFAULT 0 CHECK (next_serial >= 0),
  created_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX authorities_code ON authorities(code);

CREATE TABLE staff (
  id            INTEGER PRIMARY KEY,
  authority_id  INTEGER NOT NULL REFERENCES authorities(id),
  username      TEXT NOT NULL CONSTRAINT username_not_empty CHECK (username <> ''),
  name          TEXT NOT NULL,
  roles         TEXT NOT NULL,  -- space-separated, in the order given
  password_hash TEXT NOT NULL,
  active        INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX staff_username ON staff(username);
CREATE INDEX staff_authority ON staff(authority_id);

CREATE TABLE units (
  id                 INTEGER PRIMARY KEY,
  uscc               TEXT NOT NULL CONSTRAINT uscc_is_18_characters CHECK (length(uscc) = 18),
  authority_id       INTEGER NOT NULL REFERENCES authorities(id),
  name               TEXT NOT NULL,
  category           TEXT NOT NULL,
  address            TEXT NOT NULL,
  responsible_person TEXT NOT NULL,
  revoked            INTEGER NOT NULL CHECK (revoked IN (0, 1)),
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX units_uscc ON units(uscc);
CREATE INDEX units_authority ON units(authority_id);

CREATE TABLE certificates (
  id          INTEGER PRIMARY KEY,
  unit_id     INTEGER NOT NULL REFERENCES units(id),
  serial      TEXT NOT NULL CONSTRAINT serial_not_empty CHECK (serial <> ''),
  issued_on   TEXT NOT NULL,
  valid_until TEXT,  -- NULL: 长期有效
  status      TEXT NOT NULL
              CONSTRAINT certificate_status CHECK (status IN ('active', 'superseded', 'revoked')),
  created_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX certificates_serial ON certificates(serial);
CREATE INDEX certificates_unit ON certificates(unit_id);
-- "The" active certificate of a unit is well defined.
CREATE UNIQUE INDEX certificates_active ON certificates(unit_id) WHERE status = 'active';

CREATE TABLE applications (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  unit_id      INTEGER NOT NULL REFERENCES units(id),
  -- The unit's authority, copied so that a queue is one index range
  -- (units_authority_follows keeps it in step).
  authority_id INTEGER NOT NULL REFERENCES authorities(id),
  business     TEXT NOT NULL,
  status       TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version >= 1),
  -- Checked to be a JSON object by the store, not by a CHECK: SQLite's JSON
  -- functions are not innocuous, and a schema using them cannot be opened
  -- with trusted_schema = OFF (as fuma and careful tools open files).
  fields_json  TEXT NOT NULL,
  latest_reply TEXT NOT NULL,
  open         INTEGER NOT NULL CHECK (open IN (0, 1)),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX applications_unit ON applications(unit_id);
-- At most one open application per unit; also finds it.
CREATE UNIQUE INDEX applications_open ON applications(unit_id) WHERE open = 1;
CREATE INDEX applications_queue ON applications(authority_id, status, updated_at) WHERE open = 1;
CREATE TRIGGER units_authority_follows AFTER UPDATE OF authority_id ON units BEGIN
  UPDATE applications SET authority_id = NEW.authority_id WHERE unit_id = NEW.id;
END;

-- Attachment content, once per SHA-256 however many attachments share it.
-- The content column is last so that reading the others never touches it.
CREATE TABLE blobs (
  id      INTEGER PRIMARY KEY,
  sha256  TEXT NOT NULL
          CONSTRAINT sha256_is_lower_case_hex
          CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  size    INTEGER NOT NULL,
  content BLOB NOT NULL,
  CONSTRAINT size_is_content_length CHECK (size = length(content))
) STRICT;
CREATE UNIQUE INDEX blobs_sha256 ON blobs(sha256);

CREATE TABLE attachments (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  application_id INTEGER NOT NULL REFERENCES applications(id),
  blob_id        INTEGER NOT NULL REFERENCES blobs(id),
  kind           TEXT NOT NULL,
  file_name      TEXT NOT NULL,
  media_type     TEXT NOT NULL,
  uploaded_at    TEXT NOT NULL
) STRICT;
CREATE INDEX attachments_application ON attachments(application_id);
CREATE INDEX attachments_blob ON attachments(blob_id);

CREATE TABLE events (
  id             INTEGER PRIMARY KEY,
  -- No foreign key: the events of a deleted application stay (历史信息).
  application_id INTEGER NOT NULL,
  unit_id        INTEGER NOT NULL REFERENCES units(id),
  action         TEXT NOT NULL,
  from_status    TEXT NOT NULL,
  to_status      TEXT NOT NULL,
  actor          TEXT NOT NULL,
  reply          TEXT NOT NULL,
  at             TEXT NOT NULL,
  -- Kept with every event, so a deleted application still shows its kind.
  business       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_application ON events(application_id);
CREATE INDEX events_unit ON events(unit_id);

CREATE TABLE audit (
  seq           INTEGER PRIMARY KEY,
  at            TEXT NOT NULL,
  actor         TEXT NOT NULL,
  command       TEXT NOT NULL,
  target        TEXT NOT NULL,
  before_status TEXT NOT NULL,
  after_status  TEXT NOT NULL,
  prev_hash     TEXT NOT NULL,
  hash          TEXT NOT NULL
) STRICT;
-- Append-only even for a program that reaches the file with plain SQL.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE idempotency (
  actor       TEXT NOT NULL,
  key         TEXT NOT NULL,
  command     TEXT NOT NULL,
  result_json TEXT NOT NULL,
  request     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (actor, key)
) STRICT, WITHOUT ROWID;
)sql",
       // PostgreSQL: identity columns never hand out an id twice, like
       // AUTOINCREMENT; texts that are ordered or compared as ranges use the
       // "C" collation, so that they sort by their bytes as in SQLite. The
       // audit log's head is one row, locked by every append (see
       // pg_transaction.cpp): the chain stays linear with several writers.
       R"sql(
CREATE TABLE authorities (
  id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  code        TEXT NOT NULL CONSTRAINT authority_code_not_empty CHECK (code <> ''),
  name        TEXT NOT NULL,
  division    TEXT NOT NULL CONSTRAINT division_is_6_digits CHECK (division ~ '^[0-9]{6}$'),
  segment     TEXT NOT NULL,
  next_serial BIGINT NOT NULL DEFAULT 0 CHECK (next_serial >= 0),
  created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX authorities_code ON authorities(code);

CREATE TABLE staff (
  id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  authority_id  BIGINT NOT NULL REFERENCES authorities(id),
  username      TEXT NOT NULL CONSTRAINT username_not_empty CHECK (username <> ''),
  name          TEXT NOT NULL,
  roles         TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  active        BOOLEAN NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX staff_username ON staff(username);
CREATE INDEX staff_authority ON staff(authority_id);

CREATE TABLE units (
  id                 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  uscc               TEXT COLLATE "C" NOT NULL
                     CONSTRAINT uscc_is_18_characters CHECK (length(uscc) = 18),
  authority_id       BIGINT NOT NULL REFERENCES authorities(id),
  name               TEXT COLLATE "C" NOT NULL,
  category           TEXT NOT NULL,
  address            TEXT NOT NULL,
  responsible_person TEXT NOT NULL,
  revoked            BOOLEAN NOT NULL,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX units_uscc ON units(uscc);
CREATE INDEX units_authority ON units(authority_id);

CREATE TABLE certificates (
  id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_id     BIGINT NOT NULL REFERENCES units(id),
  serial      TEXT NOT NULL CONSTRAINT serial_not_empty CHECK (serial <> ''),
  issued_on   TEXT NOT NULL,
  valid_until TEXT,
  status      TEXT NOT NULL
              CONSTRAINT certificate_status CHECK (status IN ('active', 'superseded', 'revoked')),
  created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX certificates_serial ON certificates(serial);
CREATE INDEX certificates_unit ON certificates(unit_id);
CREATE UNIQUE INDEX certificates_active ON certificates(unit_id) WHERE status = 'active';

CREATE TABLE applications (
  id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_id      BIGINT NOT NULL REFERENCES units(id),
  authority_id BIGINT NOT NULL REFERENCES authorities(id),
  business     TEXT NOT NULL,
  status       TEXT COLLATE "C" NOT NULL,
  version      BIGINT NOT NULL CHECK (version >= 1),
  fields_json  TEXT NOT NULL,
  latest_reply TEXT NOT NULL,
  open         BOOLEAN NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX applications_unit ON applications(unit_id);
CREATE UNIQUE INDEX applications_open ON applications(unit_id) WHERE open;
CREATE INDEX applications_queue ON applications(authority_id, status, updated_at, id) WHERE open;
CREATE FUNCTION units_authority_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE applications SET authority_id = NEW.authority_id WHERE unit_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER units_authority_follows AFTER UPDATE OF authority_id ON units
  FOR EACH ROW WHEN (OLD.authority_id IS DISTINCT FROM NEW.authority_id)
  EXECUTE FUNCTION units_authority_follows();

CREATE TABLE blobs (
  id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  sha256  TEXT NOT NULL
          CONSTRAINT sha256_is_lower_case_hex CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size    BIGINT NOT NULL,
  content BYTEA NOT NULL,
  CONSTRAINT size_is_content_length CHECK (size = octet_length(content))
);
CREATE UNIQUE INDEX blobs_sha256 ON blobs(sha256);

CREATE TABLE attachments (
  id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications(id),
  blob_id        BIGINT NOT NULL REFERENCES blobs(id),
  kind           TEXT NOT NULL,
  file_name      TEXT NOT NULL,
  media_type     TEXT NOT NULL,
  uploaded_at    TEXT NOT NULL
);
CREATE INDEX attachments_application ON attachments(application_id);
CREATE INDEX attachments_blob ON attachments(blob_id);

CREATE TABLE events (
  id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  application_id BIGINT NOT NULL,
  unit_id        BIGINT NOT NULL REFERENCES units(id),
  action         TEXT NOT NULL,
  from_status    TEXT NOT NULL,
  to_status      TEXT NOT NULL,
  actor          TEXT NOT NULL,
  reply          TEXT NOT NULL,
  at             TEXT NOT NULL,
  business       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_application ON events(application_id);
CREATE INDEX events_unit ON events(unit_id);

CREATE TABLE audit (
  seq           BIGINT PRIMARY KEY,
  at            TEXT NOT NULL,
  actor         TEXT NOT NULL,
  command       TEXT NOT NULL,
  target        TEXT NOT NULL,
  before_status TEXT NOT NULL,
  after_status  TEXT NOT NULL,
  prev_hash     TEXT NOT NULL,
  hash          TEXT NOT NULL
);
-- The chain's head: the last seq and hash, one row that every append locks.
CREATE TABLE audit_head (
  one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
  seq  BIGINT NOT NULL,
  hash TEXT
);
INSERT INTO audit_head(seq, hash) VALUES (0, NULL);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE idempotency (
  actor       TEXT NOT NULL,
  key         TEXT NOT NULL,
  command     TEXT NOT NULL,
  result_json TEXT NOT NULL,
  request     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (actor, key)
);
)sql"},

      // 2 -> 3: login credentials, their keys, captchas and sessions.
      {// SQLite
       R"sql(
CREATE TABLE signing_keys (
  id             INTEGER PRIMARY KEY,
  authority_id   INTEGER NOT NULL REFERENCES authorities(id),
  kid            TEXT NOT NULL CONSTRAINT kid_is_16_hex
                 CHECK (length(kid) = 16 AND kid NOT GLOB '*[^0-9a-f]*'),
  public_key     BLOB NOT NULL CONSTRAINT public_key_is_32_bytes CHECK (length(public_key) = 32),
  -- AES-256-GCM under the key file's master key: never the key in clear.
  sealed_private BLOB NOT NULL CONSTRAINT sealed_private_is_sealed
                 CHECK (length(sealed_private) = 12 + 32 + 16),
  status         TEXT NOT NULL CHECK (status IN ('active', 'verifying', 'retired')),
  created_at     TEXT NOT NULL,
  retired_at     TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX signing_keys_kid ON signing_keys(kid);
-- One key signs for an authority at a time.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(authority_id) WHERE status = 'active';

CREATE TABLE credential_requests (
  id            INTEGER PRIMARY KEY,
  unit_id       INTEGER NOT NULL REFERENCES units(id),
  reason        TEXT NOT NULL CHECK (reason IN ('first', 'lost')),
  recipient     TEXT NOT NULL,
  phone         TEXT NOT NULL,
  requested_on  TEXT NOT NULL,
  recorded_by   TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  credential_id INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX credential_requests_unit ON credential_requests(unit_id);

CREATE TABLE credentials (
  id             INTEGER PRIMARY KEY,
  unit_id        INTEGER NOT NULL REFERENCES units(id),
  request_id     INTEGER NOT NULL REFERENCES credential_requests(id),
  key_id         INTEGER NOT NULL REFERENCES signing_keys(id),
  generation     INTEGER NOT NULL CHECK (generation >= 1),
  issued_at      TEXT NOT NULL,
  expires_at     TEXT,
  status         TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  revoked_at     TEXT NOT NULL,
  revoked_reason TEXT NOT NULL,
  delivery       TEXT NOT NULL,
  delivery_note  TEXT NOT NULL,
  -- The digest of the issued text: the text itself logs a unit in, so the
  -- store keeps only what tells a presented text apart.
  payload_sha256 TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX credentials_generation ON credentials(unit_id, generation);
CREATE UNIQUE INDEX credentials_request ON credentials(request_id);
CREATE INDEX credentials_key ON credentials(key_id);

CREATE TABLE captchas (
  id          TEXT PRIMARY KEY,
  answer_hash TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used        INTEGER NOT NULL CHECK (used IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX captchas_expiry ON captchas(expires_at);

CREATE TABLE sessions (
  id                 INTEGER PRIMARY KEY,
  -- SHA-256 of the token: the token itself is only ever in the holder's hands.
  token_hash         TEXT NOT NULL CONSTRAINT token_hash_is_sha256 CHECK (length(token_hash) = 64),
  unit_id            INTEGER NOT NULL REFERENCES units(id),
  credential_id      INTEGER NOT NULL REFERENCES credentials(id),
  client             TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  last_seen_at       TEXT NOT NULL,
  committed_at       TEXT NOT NULL,
  commitment_version TEXT NOT NULL,
  ended_at           TEXT NOT NULL,
  end_reason         TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX sessions_token ON sessions(token_hash);
CREATE INDEX sessions_credential ON sessions(credential_id) WHERE ended_at = '';
CREATE INDEX sessions_unit ON sessions(unit_id) WHERE ended_at = '';

-- Staff sessions (staff.login), apart from units' sessions.
CREATE TABLE staff_sessions (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT NOT NULL CONSTRAINT staff_token_hash_is_sha256 CHECK (length(token_hash) = 64),
  staff_id     INTEGER NOT NULL REFERENCES staff(id),
  client       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  ended_at     TEXT NOT NULL,
  end_reason   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX staff_sessions_token ON staff_sessions(token_hash);
CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id) WHERE ended_at = '';

CREATE TABLE throttles (
  scope           TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
)sql",
       R"sql(
CREATE TABLE signing_keys (
  id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  authority_id   BIGINT NOT NULL REFERENCES authorities(id),
  kid            TEXT NOT NULL CONSTRAINT kid_is_16_hex CHECK (kid ~ '^[0-9a-f]{16}$'),
  public_key     BYTEA NOT NULL
                 CONSTRAINT public_key_is_32_bytes CHECK (octet_length(public_key) = 32),
  sealed_private BYTEA NOT NULL CONSTRAINT sealed_private_is_sealed
                 CHECK (octet_length(sealed_private) = 12 + 32 + 16),
  status         TEXT NOT NULL CHECK (status IN ('active', 'verifying', 'retired')),
  created_at     TEXT NOT NULL,
  retired_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX signing_keys_kid ON signing_keys(kid);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(authority_id) WHERE status = 'active';

CREATE TABLE credential_requests (
  id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_id       BIGINT NOT NULL REFERENCES units(id),
  reason        TEXT NOT NULL CHECK (reason IN ('first', 'lost')),
  recipient     TEXT NOT NULL,
  phone         TEXT NOT NULL,
  requested_on  TEXT NOT NULL,
  recorded_by   TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  credential_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX credential_requests_unit ON credential_requests(unit_id);

CREATE TABLE credentials (
  id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  unit_id        BIGINT NOT NULL REFERENCES units(id),
  request_id     BIGINT NOT NULL REFERENCES credential_requests(id),
  key_id         BIGINT NOT NULL REFERENCES signing_keys(id),
  generation     BIGINT NOT NULL CHECK (generation >= 1),
  issued_at      TEXT NOT NULL,
  expires_at     TEXT,
  status         TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  revoked_at     TEXT NOT NULL,
  revoked_reason TEXT NOT NULL,
  delivery       TEXT NOT NULL,
  delivery_note  TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL
);
CREATE UNIQUE INDEX credentials_generation ON credentials(unit_id, generation);
CREATE UNIQUE INDEX credentials_request ON credentials(request_id);
CREATE INDEX credentials_key ON credentials(key_id);

CREATE TABLE captchas (
  id          TEXT PRIMARY KEY,
  answer_hash TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT COLLATE "C" NOT NULL,
  used        BOOLEAN NOT NULL
);
CREATE INDEX captchas_expiry ON captchas(expires_at);

CREATE TABLE sessions (
  id                 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  token_hash         TEXT NOT NULL
                     CONSTRAINT token_hash_is_sha256 CHECK (length(token_hash) = 64),
  unit_id            BIGINT NOT NULL REFERENCES units(id),
  credential_id      BIGINT NOT NULL REFERENCES credentials(id),
  client             TEXT NOT NULL,
  created_at         TEXT NOT NULL,
  last_seen_at       TEXT NOT NULL,
  committed_at       TEXT NOT NULL,
  commitment_version TEXT NOT NULL,
  ended_at           TEXT NOT NULL,
  end_reason         TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_token ON sessions(token_hash);
CREATE INDEX sessions_credential ON sessions(credential_id) WHERE ended_at = '';
CREATE INDEX sessions_unit ON sessions(unit_id) WHERE ended_at = '';

CREATE TABLE staff_sessions (
  id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  token_hash   TEXT NOT NULL
               CONSTRAINT staff_token_hash_is_sha256 CHECK (length(token_hash) = 64),
  staff_id     BIGINT NOT NULL REFERENCES staff(id),
  client       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  ended_at     TEXT NOT NULL,
  end_reason   TEXT NOT NULL
);
CREATE UNIQUE INDEX staff_sessions_token ON staff_sessions(token_hash);
CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id) WHERE ended_at = '';

CREATE TABLE throttles (
  scope           TEXT PRIMARY KEY,
  failures        BIGINT NOT NULL CHECK (failures >= 0),
  last_failure_at TEXT NOT NULL
);
)sql"},

      // 3 -> 4: the public lookup (unit.lookup) reads units in name order,
      // so a page of name matches ends as soon as it is full.
      {// SQLite
       "CREATE INDEX units_name ON units(name, uscc);",
       "CREATE INDEX units_name ON units(name, uscc);"},

      // 4 -> 5: a unit's events are found through its applications, and
      // deleted applications are remembered with their unit for that. An
      // index of events by unit put each new event on that unit's page of
      // the index: one more page written by nearly every write.
      {// SQLite
       R"sql(
CREATE TABLE deleted_applications (
  id      INTEGER PRIMARY KEY,  -- the application's id, never reused
  unit_id INTEGER NOT NULL REFERENCES units(id)
) STRICT;
CREATE INDEX deleted_applications_unit ON deleted_applications(unit_id);
INSERT INTO deleted_applications(id, unit_id)
  SELECT application_id, min(unit_id) FROM events
  WHERE application_id NOT IN (SELECT id FROM applications)
  GROUP BY application_id;
DROP INDEX events_unit;
)sql",
       R"sql(
CREATE TABLE deleted_applications (
  id      BIGINT PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id)
);
CREATE INDEX deleted_applications_unit ON deleted_applications(unit_id);
INSERT INTO deleted_applications(id, unit_id)
  SELECT application_id, min(unit_id) FROM events
  WHERE application_id NOT IN (SELECT id FROM applications)
  GROUP BY application_id;
DROP INDEX events_unit;
)sql"},

      // 5 -> 6: digests are named for what they hold, not for one
      // algorithm: under the sm crypto suite they are SM3 (GB/T 32905), of
      // the same 64 hex digits. Renaming a column keeps every row in place;
      // the CHECK keeps its name (sha256_is_lower_case_hex), since renaming
      // a constraint takes copying the table, every attachment's bytes too.
      {// SQLite
       R"sql(
ALTER TABLE blobs RENAME COLUMN sha256 TO digest;
DROP INDEX blobs_sha256;
CREATE UNIQUE INDEX blobs_digest ON blobs(digest);
ALTER TABLE credentials RENAME COLUMN payload_sha256 TO payload_digest;
)sql",
       R"sql(
ALTER TABLE blobs RENAME COLUMN sha256 TO digest;
ALTER INDEX blobs_sha256 RENAME TO blobs_digest;
ALTER TABLE credentials RENAME COLUMN payload_sha256 TO payload_digest;
)sql"},

      // 6 -> 7: signing suites. A key is Ed25519 or SM2 (with the
      // distinguishing id its signatures are made under), its public key
      // has its suite's raw length, and its private key may be sealed in
      // other ways than AES-256-GCM's 12 + 32 + 16 bytes. SQLite cannot
      // change a CHECK, so the table is made again and its rows copied back
      // with their ids (the 12 steps of SQLite's "ALTER TABLE", with
      // foreign keys deferred rather than off: a migration runs inside a
      // transaction, where foreign_keys cannot change; credentials' key_id
      // finds its key again by the time the transaction commits). An SM2
      // credential keeps its randomised signature, sealed.
      {// SQLite
       R"sql(
PRAGMA defer_foreign_keys = ON;
CREATE TABLE signing_keys_before_7 AS SELECT * FROM signing_keys;
DROP TABLE signing_keys;
CREATE TABLE signing_keys (
  id                INTEGER PRIMARY KEY,
  authority_id      INTEGER NOT NULL REFERENCES authorities(id),
  kid               TEXT NOT NULL CONSTRAINT kid_is_16_hex
                    CHECK (length(kid) = 16 AND kid NOT GLOB '*[^0-9a-f]*'),
  suite             TEXT NOT NULL CONSTRAINT signing_suite CHECK (suite IN ('ed25519', 'sm2')),
  -- Ed25519: 32 bytes; SM2: the uncompressed point 04 || x || y.
  public_key        BLOB NOT NULL CONSTRAINT public_key_fits_suite
                    CHECK ((suite = 'ed25519' AND length(public_key) = 32) OR
                           (suite = 'sm2' AND length(public_key) = 65 AND
                            substr(public_key, 1, 1) = x'04')),
  -- SM2's ID_A; GM/T 0009's default is 1234567812345678.
  distinguishing_id TEXT NOT NULL CONSTRAINT distinguishing_id_fits_suite
                    CHECK ((suite = 'ed25519' AND distinguishing_id = '') OR
                           (suite = 'sm2' AND length(distinguishing_id) BETWEEN 1 AND 64)),
  -- A 32-byte private key sealed under the key file's master key, never
  -- the key in clear: AES-256-GCM (12 + 32 + 16 bytes) or a sealing with a
  -- longer nonce or tag.
  sealed_private    BLOB NOT NULL CONSTRAINT sealed_private_is_sealed
                    CHECK (length(sealed_private) BETWEEN 12 + 32 + 16 AND 256),
  status            TEXT NOT NULL CHECK (status IN ('active', 'verifying', 'retired')),
  created_at        TEXT NOT NULL,
  retired_at        TEXT NOT NULL
) STRICT;
INSERT INTO signing_keys(id, authority_id, kid, suite, public_key, distinguishing_id,
                         sealed_private, status, created_at, retired_at)
  SELECT id, authority_id, kid, 'ed25519', public_key, '', sealed_private, status, created_at,
         retired_at
  FROM signing_keys_before_7 ORDER BY id;
DROP TABLE signing_keys_before_7;
CREATE UNIQUE INDEX signing_keys_kid ON signing_keys(kid);
-- One key signs for an authority at a time.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys(authority_id) WHERE status = 'active';
ALTER TABLE credentials ADD COLUMN sealed_signature BLOB NOT NULL DEFAULT x''
  CONSTRAINT sealed_signature_is_sealed
  CHECK (length(sealed_signature) = 0 OR length(sealed_signature) BETWEEN 12 + 64 + 16 AND 256);
)sql",
       // PostgreSQL changes the constraints in place.
       R"sql(
ALTER TABLE signing_keys
  ADD COLUMN suite TEXT NOT NULL DEFAULT 'ed25519'
    CONSTRAINT signing_suite CHECK (suite IN ('ed25519', 'sm2')),
  ADD COLUMN distinguishing_id TEXT NOT NULL DEFAULT '',
  DROP CONSTRAINT public_key_is_32_bytes,
  DROP CONSTRAINT sealed_private_is_sealed;
ALTER TABLE signing_keys ALTER COLUMN suite DROP DEFAULT,
  ALTER COLUMN distinguishing_id DROP DEFAULT,
  ADD CONSTRAINT public_key_fits_suite
    CHECK ((suite = 'ed25519' AND octet_length(public_key) = 32) OR
           (suite = 'sm2' AND octet_length(public_key) = 65 AND
            substring(public_key FROM 1 FOR 1) = '\x04'::bytea)),
  ADD CONSTRAINT distinguishing_id_fits_suite
    CHECK ((suite = 'ed25519' AND distinguishing_id = '') OR
           (suite = 'sm2' AND length(distinguishing_id) BETWEEN 1 AND 64)),
  ADD CONSTRAINT sealed_private_is_sealed
    CHECK (octet_length(sealed_private) BETWEEN 12 + 32 + 16 AND 256);
ALTER TABLE credentials ADD COLUMN sealed_signature BYTEA NOT NULL DEFAULT ''::bytea
  CONSTRAINT sealed_signature_is_sealed
  CHECK (octet_length(sealed_signature) = 0 OR
         octet_length(sealed_signature) BETWEEN 12 + 64 + 16 AND 256);
)sql"},
      // 7 -> 8: operating several hosts. An audit record keeps the id of the
      // request that made it (NULL for the records before, and for calls
      // that name none), so one request can be followed from a host's
      // access log to the audit log. Open sessions are counted for
      // monitoring by their last activity: sessions that ran out without a
      // logout keep ended_at = '' for good, so an index of all unended ones
      // would grow with history, while the range of recent last_seen_at
      // stays small. created_at is in the index to check the absolute limit
      // without reading the rows.
      {R"sql(
ALTER TABLE audit ADD COLUMN request_id TEXT;
CREATE INDEX sessions_open ON sessions(last_seen_at, created_at) WHERE ended_at = '';
CREATE INDEX staff_sessions_open ON staff_sessions(last_seen_at, created_at) WHERE ended_at = '';
)sql",
       R"sql(
ALTER TABLE audit ADD COLUMN request_id TEXT;
CREATE INDEX sessions_open ON sessions(last_seen_at, created_at) WHERE ended_at = '';
CREATE INDEX staff_sessions_open ON staff_sessions(last_seen_at, created_at) WHERE ended_at = '';
)sql"},

      // 8 -> 9: the public lookup finds a unit by any three characters of
      // its name. Walking the name index until a page is full is quick
      // for what many names hold, but walks it all for a whole name that
      // only one unit has. An index of the names' trigrams finds those:
      // SQLite's FTS5 with its trigram tokenizer, kept by triggers;
      // PostgreSQL's GIN over each name's trigrams (ASCII letters folded,
      // as ILIKE on the "C" collation folds them), which needs no extension
      // and no locale that classifies Chinese characters. The SQLite store
      // keeps its index itself (insert_unit, update_unit): it runs with
      // trusted_schema off, under which a trigger may not write a virtual
      // table.
      {R"sql(
CREATE VIRTUAL TABLE units_name_grams USING fts5(
  name, content = 'units', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO units_name_grams(units_name_grams) VALUES ('rebuild');
)sql",
       R"sql(
CREATE FUNCTION fuma_name_grams(name TEXT) RETURNS TEXT[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN ARRAY(SELECT DISTINCT lower(substr(name, i, 3) COLLATE "C")
               FROM generate_series(1, length(name) - 2) AS i);
-- Without the pending list GIN keeps by default (fastupdate), whose
-- entries every search reads one by one until a vacuum merges them.
CREATE INDEX units_name_grams ON units USING gin (fuma_name_grams(name))
  WITH (fastupdate = off);
)sql"},

      // 9 -> 10: a change the PostgreSQL store sends with the statement
      // after it, not waiting for its answer (pg_transaction.hpp), carries
      // its own check: fuma_require fails the statement, and so the rest of
      // the round trip, when the change did not do what it must (a case
      // updated at the version read, an event with its application). The
      // SQLite store waits for every statement; it has nothing to add.
      {"-- nothing: the SQLite store checks each change as it is made\n",
       R"sql(
CREATE FUNCTION fuma_require(ok BOOLEAN, what TEXT) RETURNS BOOLEAN
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION '%: the change did not do what it must', what
      USING ERRCODE = 'P0001';
  END IF;
  RETURN TRUE;
END
$$;
)sql"},
  };
  return list;
}

// What a copy of the store carries (copy_store): every record of the
// service and its history. A table added by a migration goes here or into
// uncopied_tables(); the store suite holds the schema to the two lists.
const std::vector<CopiedTable>& copied_tables() {
  static const std::vector<CopiedTable> list = {
      // The store's own facts: its creation time, its crypto suite and the
      // audit chain's digest, which every digest and sealed key depends on.
      {"meta", "key"},
      {"authorities", "id"},  // with next_serial, the organisation-code counter
      {"staff", "id"},
      {"units", "id"},
      {"certificates", "id"},
      {"applications", "id"},
      {"deleted_applications", "id"},
      {"blobs", "id"},
      {"attachments", "id"},
      {"events", "id"},
      {"audit", "seq"},
      // A client that retries after the move gets the remembered answer
      // rather than the command done twice.
      {"idempotency", "actor, key"},
      {"signing_keys", "id"},
      {"credential_requests", "id"},
      {"credentials", "id"},
      // Open sessions go on (nobody is logged out by the move), ended ones
      // are the login history.
      {"sessions", "id"},
      {"staff_sessions", "id"},
      // A lockout in force stays in force: moving the store must not be a
      // way to reset the count of failed logins.
      {"throttles", "scope"},
  };
  return list;
}

const std::vector<UncopiedTable>& uncopied_tables() {
  static const std::vector<UncopiedTable> list = {
      {"captchas",
       "a captcha lives for minutes and the store is copied with its hosts stopped: the "
       "login page fetches a new one"},
      // SQLite's index of unit names (FTS5) and the tables it keeps itself
      // in; the copy's own index (PostgreSQL's GIN) is made from the names.
      {"units_name_grams", "an index of the units' names, made again from them", true},
      {"units_name_grams_data", "part of units_name_grams", true},
      {"units_name_grams_idx", "part of units_name_grams", true},
      {"units_name_grams_docsize", "part of units_name_grams", true},
      {"units_name_grams_config", "part of units_name_grams", true},
  };
  return list;
}

namespace sqlite {

const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> list = [] {
    std::vector<std::string_view> out;
    for (const Migration& m : store::migrations()) out.push_back(m.sqlite);
    return out;
  }();
  return list;
}

}  // namespace sqlite

}  // namespace fuma::store
