#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <string>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

using fuma::Engine;
using fuma::Errc;
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

// Runs one statement on a file with plain SQLite, returning the first column
// of the first row as text.
std::string sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, statement.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("opening a new path creates a fuma database in WAL mode at the latest schema") {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  {
    std::unique_ptr<Engine> e(open_engine(path));
    CHECK(e->schema_version() == fuma::latest_schema_version());
  }
  CHECK(sql(path, "PRAGMA journal_mode") == "wal");
  CHECK(sql(path, "PRAGMA application_id") == std::to_string(0x46554D41));
  CHECK(sql(path, "PRAGMA user_version") == std::to_string(fuma::latest_schema_version()));
  CHECK_FALSE(sql(path, "SELECT value FROM meta WHERE key = 'created_at'").empty());
}

TEST_CASE("reopening an existing database keeps its data") {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  delete open_engine(path);
  const std::string created = sql(path, "SELECT value FROM meta WHERE key = 'created_at'");
  std::unique_ptr<Engine> e(open_engine(path));
  CHECK(sql(path, "SELECT value FROM meta WHERE key = 'created_at'") == created);
}

TEST_CASE("a file written by a newer fuma is refused with VERSION and left unchanged") {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  delete open_engine(path);
  sql(path, "PRAGMA user_version = 99");
  const std::string before = read_file(path);
  CHECK(open_error(path) == Errc::version);
  CHECK(read_file(path) == before);
}

TEST_CASE("a file that is not a database is refused with STORAGE and left unchanged") {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  std::ofstream(path) << std::string(4096, 'x');
  CHECK(open_error(path) == Errc::storage);
  CHECK(read_file(path) == std::string(4096, 'x'));
}

TEST_CASE("another program's SQLite file is refused and not written to") {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sql(path, "CREATE TABLE t(x)");
  CHECK(open_error(path) == Errc::storage);
  CHECK(sql(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'meta'") == "0");
}

TEST_CASE("a path in a missing directory is STORAGE; a path with NUL is INVALID_ARGUMENT") {
  TempDir dir;
  CHECK(open_error(dir.file("missing/fuma.db")) == Errc::storage);
  CHECK(open_error(std::string("fu\0ma.db", 7)) == Errc::invalid_argument);
}

TEST_CASE("an engine without a path keeps its store in memory") {
  Engine e;
  CHECK(e.schema_version() == fuma::latest_schema_version());
}
