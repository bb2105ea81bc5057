// SPDX-License-Identifier: Apache-2.0
// Opening a store: creation, WAL, refusal of files it must not touch, and
// upgrades of older schemas.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "store/fixtures.hpp"
#include "store/sqlite_connection.hpp"
#include "store/sqlite_schema.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

using fuma::Engine;
using fuma::Errc;
using fuma::test::sql;
using fuma::test::TempDir;

namespace {

Engine* open_engine(const std::string& path) {
  fuma::Options o;
  o.path = path;
  return new Engine(o);
}

Errc open_error(const std::string& path) {
  try {
    delete open_engine(path);
  } catch (const fuma::Error& e) {
    return e.code();
  }
  return static_cast<Errc>(0);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("opening a new path creates a fuma database in WAL mode at the latest schema" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  {
    std::unique_ptr<Engine> e(open_engine(path));
    CHECK(e->schema_version() == fuma::store::latest_schema_version());
  }
  CHECK(sql(path, "PRAGMA journal_mode") == "wal");
  CHECK(sql(path, "PRAGMA application_id") == std::to_string(0x46554D41));
  CHECK(sql(path, "PRAGMA user_version") == std::to_string(fuma::store::latest_schema_version()));
  CHECK_FALSE(sql(path, "SELECT value FROM meta WHERE key = 'created_at'").empty());
}

TEST_CASE("reopening an existing database keeps its data" * doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  delete open_engine(path);
  const std::string created = sql(path, "SELECT value FROM meta WHERE key = 'created_at'");
  std::unique_ptr<Engine> e(open_engine(path));
  CHECK(sql(path, "SELECT value FROM meta WHERE key = 'created_at'") == created);
}

TEST_CASE("a file written by a newer fuma is refused with VERSION and left unchanged" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  delete open_engine(path);
  sql(path, "PRAGMA user_version = 99");
  const std::string before = read_file(path);
  CHECK(open_error(path) == Errc::version);
  CHECK(read_file(path) == before);
}

TEST_CASE("a file that is not a database is refused with STORAGE and left unchanged" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(4096, 'x');
  CHECK(open_error(path) == Errc::storage);
  CHECK(read_file(path) == std::string(4096, 'x'));
}

TEST_CASE("another program's SQLite file is refused and not written to" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sql(path, "CREATE TABLE t(x)");
  CHECK(open_error(path) == Errc::storage);
  CHECK(sql(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'meta'") == "0");
}

TEST_CASE("a path in a missing directory is STORAGE; a path with NUL is INVALID_ARGUMENT" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  CHECK(open_error(dir.file("missing/fuma.db")) == Errc::storage);
  CHECK(open_error(std::string("fu\0ma.db", 7)) == Errc::invalid_argument);
}

TEST_CASE("an engine without a path keeps its store in memory" * doctest::test_suite("sqlite")) {
  Engine e;
  CHECK(e.schema_version() == fuma::store::latest_schema_version());
}

TEST_CASE("a schema-1 file is upgraded to the latest schema on open and keeps its meta row" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("old.db");
  {
    // What a build that knew only migration 1 left behind.
    fuma::test::RawDb db(path);
    REQUIRE(db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
                    "INSERT INTO meta(key, value) VALUES ('created_at', '2025-03-01T00:00:00Z');"
                    "PRAGMA application_id = " +
                    std::to_string(0x46554D41) + "; PRAGMA user_version = 1;") == SQLITE_OK);
  }
  REQUIRE(fuma::store::latest_schema_version() > 1);
  auto store = fuma::test::open_store(path);
  CHECK(store->schema_version() == fuma::store::latest_schema_version());
  CHECK(sql(path, "PRAGMA user_version") == std::to_string(fuma::store::latest_schema_version()));
  CHECK(sql(path, "SELECT value FROM meta WHERE key = 'created_at'") == "2025-03-01T00:00:00Z");
  fuma::store::Id id = 0;
  store->write(
      [&](fuma::store::Transaction& tx) { id = tx.insert_authority(fuma::test::authority()); });
  CHECK(id == 1);
}

// Turns a file back into the shape schema 8 gave what schema 9 changed: no
// index of the units' names' trigrams.
#define FUMA_SCHEMA_8_SHAPE "DROP TABLE units_name_grams;"
constexpr const char* kSchema8Shape = FUMA_SCHEMA_8_SHAPE;

// Turns a file back into the shape schema 7 gave what schema 8 changed: no
// audit.request_id, and no indexes of open sessions.
constexpr const char* kSchema7Shape = FUMA_SCHEMA_8_SHAPE
    "ALTER TABLE audit DROP COLUMN request_id;"
    "DROP INDEX sessions_open;"
    "DROP INDEX staff_sessions_open;";

// Turns a file back into the shape schema 5 gave what later schemas changed:
// the digest columns as it named them, no credentials.sealed_signature and
// no audit.request_id.
constexpr const char* kSchema5Shape = FUMA_SCHEMA_8_SHAPE
    "ALTER TABLE audit DROP COLUMN request_id;"
    "DROP INDEX sessions_open;"
    "DROP INDEX staff_sessions_open;"
    "ALTER TABLE credentials DROP COLUMN sealed_signature;"
    "ALTER TABLE blobs RENAME COLUMN digest TO sha256;"
    "DROP INDEX blobs_digest;"
    "CREATE UNIQUE INDEX blobs_sha256 ON blobs(sha256);"
    "ALTER TABLE credentials RENAME COLUMN payload_digest TO payload_sha256;";

TEST_CASE("a schema-8 file's units are found by their names' trigrams, and so are later ones" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("v8.db");
  {
    auto store = fuma::test::open_store(path);
    store->write([&](fuma::store::Transaction& tx) {
      const fuma::store::Id a = tx.insert_authority(fuma::test::authority());
      for (int n = 1; n <= 3; ++n) tx.insert_unit(fuma::test::unit(a, n));
    });
  }
  {
    fuma::test::RawDb db(path);
    REQUIRE(db.exec(std::string(kSchema8Shape) + "PRAGMA user_version = 8;") == SQLITE_OK);
  }
  auto store = fuma::test::open_store(path);
  CHECK(store->schema_version() == fuma::store::latest_schema_version());
  // The index holds the names that were there before it.
  CHECK(
      sql(path, "SELECT count(*) FROM units_name_grams WHERE units_name_grams MATCH '\"某局2\"'") ==
      "1");
  store->write([&](fuma::store::Transaction& tx) {
    fuma::store::Unit u = *tx.unit_by_uscc(fuma::test::uscc(3));
    u.name = "深圳市另一个名字";
    tx.update_unit(u);
  });
  CHECK(
      sql(path, "SELECT count(*) FROM units_name_grams WHERE units_name_grams MATCH '\"某局3\"'") ==
      "0");
  CHECK(sql(path,
            "SELECT count(*) FROM units_name_grams WHERE units_name_grams MATCH '\"另一个\"'") ==
        "1");
}

TEST_CASE("a schema-7 file's audit records gain an empty request id, and sessions an index" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("v7.db");
  {
    auto store = fuma::test::open_store(path);
    store->write([&](fuma::store::Transaction& tx) {
      tx.append_audit({0, "t1", "system", "c", "x", "", "", "", "h1", ""});
    });
  }
  {
    fuma::test::RawDb db(path);
    REQUIRE(db.exec(std::string(kSchema7Shape) + "PRAGMA user_version = 7;") == SQLITE_OK);
  }
  auto store = fuma::test::open_store(path);
  CHECK(store->schema_version() == fuma::store::latest_schema_version());
  CHECK(sql(path, "SELECT count(*) FROM audit WHERE request_id IS NULL") == "1");
  CHECK(sql(path,
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('sessions_open', "
            "'staff_sessions_open')") == "2");
  store->read([&](fuma::store::Transaction& tx) {
    tx.scan_audit([](const fuma::store::AuditRecord& r) {
      CHECK(r.request_id.empty());
      CHECK(r.hash == "h1");
      return true;
    });
    CHECK(tx.count_open_sessions("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z") == 0);
  });
}

TEST_CASE("a schema-5 file's digests are renamed, and its attachments found by them" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("v5.db");
  const std::string digest(64, 'a');
  fuma::store::Id application = 0;
  {
    auto store = fuma::test::open_store(path);
    store->write([&](fuma::store::Transaction& tx) {
      const auto unit =
          tx.insert_unit(fuma::test::unit(tx.insert_authority(fuma::test::authority()), 1));
      application = tx.insert_application(fuma::test::application(unit));
      tx.insert_attachment(fuma::test::attachment(application, digest), "扫描件");
    });
  }
  {
    fuma::test::RawDb db(path);
    REQUIRE(db.exec(std::string(kSchema5Shape) + "PRAGMA user_version = 5;") == SQLITE_OK);
  }
  auto store = fuma::test::open_store(path);
  CHECK(store->schema_version() == fuma::store::latest_schema_version());
  CHECK(sql(path, "SELECT digest FROM blobs") == digest);
  CHECK(sql(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'blobs_digest'") == "1");
  CHECK(sql(path,
            "SELECT count(*) FROM pragma_table_info('credentials') "
            "WHERE name = 'payload_digest'") == "1");
  store->read([&](fuma::store::Transaction& tx) {
    CHECK(tx.content(digest) == std::optional<std::string>("扫描件"));
    REQUIRE(tx.attachments(application).size() == 1);
    CHECK(tx.attachments(application).front().digest == digest);
  });
}

TEST_CASE("a schema-4 file keeps the events of its deleted applications found by unit" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("v4.db");
  fuma::store::Id unit = 0, kept = 0, gone = 0;
  {
    auto store = fuma::test::open_store(path);
    store->write([&](fuma::store::Transaction& tx) {
      unit = tx.insert_unit(fuma::test::unit(tx.insert_authority(fuma::test::authority()), 1));
      auto closed = fuma::test::application(unit, "completed");
      closed.open = false;
      gone = tx.insert_application(closed);
      kept = tx.insert_application(fuma::test::application(unit));
      tx.insert_event(fuma::test::event(gone, "gone"));
      tx.insert_event(fuma::test::event(kept, "kept"));
    });
  }
  {
    // What schema 4 left behind: events indexed by unit, and an application
    // deleted without any other record of it (and the shape of schema 5).
    fuma::test::RawDb db(path);
    REQUIRE(db.exec(std::string(kSchema5Shape) +
                    "DROP TABLE deleted_applications;"
                    "CREATE INDEX events_unit ON events(unit_id);"
                    "DELETE FROM applications WHERE id = " +
                    std::to_string(gone) + "; PRAGMA user_version = 4;") == SQLITE_OK);
  }
  auto store = fuma::test::open_store(path);
  CHECK(store->schema_version() == fuma::store::latest_schema_version());
  CHECK(sql(path, "SELECT id || ':' || unit_id FROM deleted_applications") ==
        std::to_string(gone) + ":" + std::to_string(unit));
  CHECK(sql(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'events_unit'") == "0");
  store->read([&](fuma::store::Transaction& tx) {
    const auto events = tx.events_of_unit(unit);
    REQUIRE(events.size() == 2);
    CHECK(events[0].reply == "gone");
    CHECK(events[1].reply == "kept");
  });
}

// A schema-5 file holding two Ed25519 keys, the first signing a credential.
void make_schema_5(const std::string& path) {
  fuma::test::RawDb db(path);
  for (std::size_t v = 0; v < 5; ++v) {
    REQUIRE(db.exec(std::string(fuma::store::sqlite::migrations()[v])) == SQLITE_OK);
  }
  REQUIRE(
      db.exec("PRAGMA foreign_keys = ON;"
              "INSERT INTO authorities(id, code, name, division, segment, created_at) "
              "  VALUES (1, 'sz', '深圳市', '440300', '', '2026-01-01T00:00:00Z');"
              "INSERT INTO units(id, uscc, authority_id, name, category, address, "
              "  responsible_person, revoked, created_at, updated_at) VALUES (3, "
              "  '11440300MB2C92805B', 1, '深圳市某某局', '机关', '深圳', '张三', 0, "
              "  '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');"
              "INSERT INTO signing_keys(id, authority_id, kid, public_key, sealed_private, status, "
              "  created_at, retired_at) VALUES "
              "  (7, 1, '0123456789abcdef', randomblob(32), randomblob(60), 'verifying', "
              "   '2026-01-01T00:00:00Z', ''),"
              "  (9, 1, 'fedcba9876543210', randomblob(32), randomblob(60), 'active', "
              "   '2026-02-01T00:00:00Z', '');"
              "INSERT INTO credential_requests(id, unit_id, reason, recipient, phone, "
              "  requested_on, recorded_by, created_at, credential_id) VALUES (4, 3, 'first', "
              "  '李四', '13800000000', '2026-01-05', 'staff:1', '2026-01-05T00:00:00Z', 5);"
              "INSERT INTO credentials(id, unit_id, request_id, key_id, generation, issued_at, "
              "  expires_at, status, revoked_at, revoked_reason, delivery, delivery_note, "
              "  payload_sha256) VALUES (5, 3, 4, 7, 1, '2026-01-05T00:00:00Z', NULL, 'active', "
              "  '', '', 'on_site', '', '" +
              std::string(64, 'a') +
              "');"
              "PRAGMA application_id = " +
              std::to_string(fuma::store::sqlite::kApplicationId) + "; PRAGMA user_version = 5;") ==
      SQLITE_OK);
}

TEST_CASE("a schema-5 file's keys become Ed25519 keys with their ids, and credentials find them" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("v5.db");
  make_schema_5(path);
  auto store = fuma::test::open_store(path);
  CHECK(store->schema_version() == fuma::store::latest_schema_version());
  CHECK(sql(path,
            "SELECT group_concat(id || ':' || suite || ':' || length(public_key) || ':' || "
            "length(sealed_private) || ':' || status || ':' || distinguishing_id, ',') FROM "
            "(SELECT * FROM signing_keys ORDER BY id)") ==
        "7:ed25519:32:60:verifying:,9:ed25519:32:60:active:");
  CHECK(sql(path, "PRAGMA foreign_key_check") == "");
  CHECK(sql(path, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'signing_keys_before%'") ==
        "0");
  store->read([&](fuma::store::Transaction& tx) {
    const auto c = tx.credential(5);
    REQUIRE(c);
    CHECK(c->sealed_signature.empty());
    const auto k = tx.key(c->key_id);
    REQUIRE(k);
    CHECK(k->kid == "0123456789abcdef");
    CHECK(k->suite == "ed25519");
    CHECK(tx.key_by_kid("fedcba9876543210")->status == "active");
  });
}

TEST_CASE(
    "after schema 6 a key may be SM2, sealed in more than 60 bytes; each suite's length holds" *
    doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("v6.db");
  make_schema_5(path);
  fuma::test::open_store(path).reset();
  fuma::test::RawDb db(path);
  auto insert = [&](const std::string& kid, const std::string& suite, int public_bytes,
                    const std::string& id, int sealed_bytes) {
    // An SM2 point starts 04; the rest need not be on the curve for the store.
    const std::string point =
        suite == "sm2"
            ? "x'04" + std::string(2 * static_cast<std::size_t>(public_bytes - 1), 'a') + "'"
            : "randomblob(" + std::to_string(public_bytes) + ")";
    return db.exec(
        "INSERT INTO signing_keys(authority_id, kid, suite, public_key, "
        "distinguishing_id, sealed_private, status, created_at, retired_at) VALUES (1, '" +
        kid + "', '" + suite + "', " + point + ", '" + id + "', randomblob(" +
        std::to_string(sealed_bytes) + "), 'verifying', '2026-03-01T00:00:00Z', '')");
  };
  CHECK(insert("00000000000000a1", "sm2", 65, "1234567812345678", 60) == SQLITE_OK);
  CHECK(insert("00000000000000a2", "sm2", 65, "sz", 113) == SQLITE_OK);
  CHECK(insert("00000000000000a3", "sm2", 64, "sz", 60) != SQLITE_OK);
  CHECK(insert("00000000000000a4", "sm2", 65, "", 60) != SQLITE_OK);
  CHECK(insert("00000000000000a5", "ed25519", 65, "", 60) != SQLITE_OK);
  CHECK(insert("00000000000000a6", "ed25519", 32, "sz", 60) != SQLITE_OK);
  CHECK(insert("00000000000000a7", "ed25519", 32, "", 59) != SQLITE_OK);
  CHECK(insert("00000000000000a8", "rsa", 32, "", 60) != SQLITE_OK);
  CHECK(insert("0123456789abcdef", "ed25519", 32, "", 60) != SQLITE_OK);  // the kid is taken
  CHECK(db.exec("UPDATE signing_keys SET status = 'active' WHERE kid = '00000000000000a1'") !=
        SQLITE_OK);  // one active key an authority
}

TEST_CASE("two stores opening one new file at once both end at the latest schema" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("race.db");
  std::unique_ptr<fuma::store::Store> a, b;
  std::string error_a, error_b;
  auto open = [&](std::unique_ptr<fuma::store::Store>& out, std::string& error) {
    try {
      out = fuma::test::open_store(path);
    } catch (const std::exception& e) {
      error = e.what();
    }
  };
  std::thread other([&] { open(b, error_b); });
  open(a, error_a);
  other.join();
  CHECK(error_a == "");
  CHECK(error_b == "");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->schema_version() == fuma::store::latest_schema_version());
  CHECK(b->schema_version() == fuma::store::latest_schema_version());
}

TEST_CASE("every lookup of the interface is served by an index" * doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("plan.db");
  fuma::test::open_store(path).reset();
  fuma::test::RawDb db(path);
  auto uses = [&](const std::string& query, const std::string& index) {
    const std::string plan = db.plan(query);
    INFO(query << " -> " << plan);
    return plan.find(index) != std::string::npos && plan.find("TEMP B-TREE") == std::string::npos;
  };
  CHECK(uses("SELECT id FROM units WHERE uscc = 'x'", "units_uscc"));
  CHECK(uses("SELECT * FROM applications WHERE unit_id = 1 AND open = 1", "applications_open"));
  CHECK(uses("SELECT * FROM applications WHERE unit_id = 1 ORDER BY id DESC", "applications_unit"));
  CHECK(
      uses("SELECT * FROM applications WHERE authority_id = 1 AND status = 's' AND open = 1 "
           "AND (updated_at, id) > ('', 0) ORDER BY updated_at, id LIMIT 10",
           "applications_queue"));
  CHECK(uses("SELECT * FROM certificates WHERE unit_id = 1 AND status = 'active'",
             "certificates_active"));
  CHECK(uses("SELECT * FROM attachments WHERE application_id = 1 ORDER BY id",
             "attachments_application"));
  CHECK(uses("SELECT 1 FROM attachments WHERE blob_id = 1", "attachments_blob"));
  CHECK(uses("SELECT id FROM blobs WHERE digest = 'x'", "blobs_digest"));
  CHECK(uses("SELECT * FROM events WHERE application_id = 1 ORDER BY id", "events_application"));
  const std::string unit_events =
      "SELECT * FROM events WHERE application_id IN ("
      "SELECT id FROM applications WHERE unit_id = 1 "
      "UNION ALL SELECT id FROM deleted_applications WHERE unit_id = 1) "
      "ORDER BY application_id, id";
  CHECK(uses(unit_events, "events_application"));
  CHECK(uses(unit_events, "deleted_applications_unit"));
  CHECK(uses("SELECT unit_id FROM deleted_applications WHERE id = 1", "PRIMARY KEY"));
  CHECK(uses("SELECT * FROM idempotency WHERE actor = 'a' AND key = 'k'", "PRIMARY KEY"));
}

TEST_CASE("a statement's text changed in place is prepared anew, not taken from the cache" *
          doctest::test_suite("sqlite")) {
  // The cache finds a text by its address first; the same address may
  // later hold another statement of the same length.
  fuma::store::sqlite::Connection c(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
  std::string text = "SELECT 1";
  const char* address = text.c_str();
  CHECK(c.query_int(address, "first") == 1);
  CHECK(c.query_int(address, "again") == 1);
  text[7] = '2';
  REQUIRE(text.c_str() == address);
  CHECK(c.query_int(address, "changed") == 2);
  text[7] = '1';
  CHECK(c.query_int(address, "back") == 1);
}

TEST_CASE("the store counts its connections: the writer and the readers it keeps" *
          doctest::test_suite("sqlite")) {
  TempDir dir;
  auto store = fuma::test::open_store(dir.file("fuma.db"));
  CHECK(store->statistics().connections == 1);
  CHECK(store->statistics().write_retries == 0);
  // A read inside a read needs a second reader; both stay open, idle.
  store->read([&](fuma::store::Transaction&) {
    store->read([&](fuma::store::Transaction&) { CHECK(store->statistics().connections == 3); });
  });
  CHECK(store->statistics().connections == 3);
  store->check();
}

TEST_CASE("a store whose file was replaced is not ready" * doctest::test_suite("sqlite")) {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  auto store = fuma::test::open_store(path);
  store->check();
  std::filesystem::rename(path, path + ".old");
  std::ofstream(path) << "another file";
  REQUIRE(std::filesystem::exists(path));
  try {
    store->check();
    FAIL("check() passed for a replaced file");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == fuma::Errc::storage);
  }
}
