// SPDX-License-Identifier: Apache-2.0
// Plain-SQLite access and error codes for the store suites, with the
// sample records of records.hpp.
#ifndef FUMA_TESTS_STORE_FIXTURES_HPP
#define FUMA_TESTS_STORE_FIXTURES_HPP

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdio>
#include <memory>
#include <string>

#include "fuma/error.hpp"
#include "store/records.hpp"
#include "store/store.hpp"

namespace fuma::test {

using store::Id;

// The code of the fuma::Error that f throws, or 0 when it throws none.
template <class F>
Errc error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return static_cast<Errc>(0);
}

// Plain SQLite on a file, bypassing the store: what another program sees.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // The first column of the first row as text ("" when none).
  std::string text(const std::string& statement) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, statement.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

  // EXPLAIN QUERY PLAN's details, one line each.
  std::string plan(const std::string& query) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, ("EXPLAIN QUERY PLAN " + query).c_str(), -1, &stmt, nullptr) ==
            SQLITE_OK);
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      out += '\n';
    }
    sqlite3_finalize(stmt);
    return out;
  }

  // Runs statements, returning SQLite's result code.
  int exec(const std::string& statements) {
    return sqlite3_exec(db_, statements.c_str(), nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_ = nullptr;
};

// The first column of a query's first row, read past the store: on the
// SQLite file at `path`, or on the PostgreSQL schema that stands for it.
inline std::string sql(const std::string& path, const std::string& statement) {
  if (on_postgresql()) {
    return postgresql_value(statement, postgresql_in_schema(postgresql_schema(path)));
  }
  return RawDb(path).text(statement);
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_STORE_FIXTURES_HPP
