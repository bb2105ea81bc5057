// SPDX-License-Identifier: Apache-2.0
// Which store the suites run on. Without FUMA_TEST_STORE, the SQLite file a
// test names; with FUMA_TEST_STORE=postgresql://... (tests/support/pg-server
// sets it), a schema of its own in that database for each such file, so
// that every test starts from an empty store and a test that opens "the
// same file" again finds its data again.
#ifndef FUMA_TESTS_SUPPORT_TEST_STORE_HPP
#define FUMA_TESTS_SUPPORT_TEST_STORE_HPP

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

namespace fuma::test {

// The PostgreSQL database the suites run on, or "".
inline std::string postgresql_store() {
  const char* s = std::getenv("FUMA_TEST_STORE");
  if (s == nullptr) return {};
  const std::string v(s);
  if (v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0) return v;
  return {};
}

inline bool on_postgresql() { return !postgresql_store().empty(); }

// Runs SQL without parameters on the test database, as its owner (what
// another program, or an administrator, does); throws on failure.
inline void postgresql_admin(const std::string& sql, const std::string& uri = postgresql_store()) {
  PGconn* c = PQconnectdb(uri.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to the test database: " + why);
  }
  PQclear(PQexec(c, "SET client_min_messages = warning"));
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  const std::string why = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    throw std::runtime_error("test database: " + sql + ": " + why);
  }
}

// The first column of the first row of a query on the test database ("" if
// none or NULL).
inline std::string postgresql_value(const std::string& sql,
                                    const std::string& uri = postgresql_store()) {
  PGconn* c = PQconnectdb(uri.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  std::string out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
    out = PQgetvalue(r, 0, 0);
  }
  const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
  const std::string why = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("test database: " + sql + ": " + why);
  return out;
}

// The schema a test's file maps to: one per file and process.
inline std::string postgresql_schema(const std::string& path) {
  return "t" + std::to_string(static_cast<long>(getpid())) + "_" +
         std::to_string(std::hash<std::string>()(path) % 1000000000000ULL);
}

// The test database's URI working in `schema`.
inline std::string postgresql_in_schema(const std::string& schema,
                                        const std::string& uri = postgresql_store()) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

// Where a test's store is: `path` itself on SQLite; on PostgreSQL, the
// schema that stands for it (made when first named).
inline std::string test_store(const std::string& path) {
  const std::string uri = postgresql_store();
  if (uri.empty() || path.empty()) return path;
  const std::string schema = postgresql_schema(path);
  postgresql_admin("CREATE SCHEMA IF NOT EXISTS " + schema, uri);
  return postgresql_in_schema(schema, uri);
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_TEST_STORE_HPP
