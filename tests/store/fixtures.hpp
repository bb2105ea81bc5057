// Sample records and plain-SQLite access for the store suites.
#ifndef FUMA_TESTS_STORE_FIXTURES_HPP
#define FUMA_TESTS_STORE_FIXTURES_HPP

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdio>
#include <memory>
#include <string>

#include "fuma/error.hpp"
#include "store/store.hpp"

namespace fuma::test {

using store::Id;

inline std::unique_ptr<store::Store> open_store(const std::string& path, int busy_ms = 5000) {
  return store::open_sqlite(path, busy_ms);
}

// An 18-character code, unique per n (the store checks only the length;
// the USCC module owns the check characters).
inline std::string uscc(int n) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "114403%011dX", n);
  return buf;
}

// A well-formed SHA-256 hex string; the store trusts the caller's hash.
inline std::string sha(char digit) { return std::string(64, digit); }

inline store::Authority authority(const std::string& code = "sz") {
  store::Authority a;
  a.code = code;
  a.name = "深圳市委机构编制委员会办公室";
  a.division = "440300";
  a.segment = "MB";
  a.created_at = "2026-01-05T08:00:00Z";
  return a;
}

inline store::Unit unit(Id authority_id, int n) {
  store::Unit u;
  u.uscc = uscc(n);
  u.authority_id = authority_id;
  u.name = "深圳市某某局" + std::to_string(n);
  u.category = "机关";
  u.address = "深圳市福田区福中三路";
  u.responsible_person = "张三";
  u.created_at = "2026-01-05T08:00:00Z";
  u.updated_at = "2026-01-05T08:00:00Z";
  return u;
}

inline store::Application application(Id unit_id, const std::string& status = "draft",
                                      const std::string& updated_at = "2026-02-01T09:00:00Z") {
  store::Application a;
  a.unit_id = unit_id;
  a.business = "change";
  a.status = status;
  a.fields_json = R"({"name":{"old":"甲","new":"乙"}})";
  a.created_at = updated_at;
  a.updated_at = updated_at;
  return a;
}

inline store::Event event(Id application_id, const std::string& reply = "") {
  store::Event e;
  e.application_id = application_id;
  e.action = "submit";
  e.from_status = "draft";
  e.to_status = "submitted";
  e.actor = "unit:" + uscc(1);
  e.reply = reply;
  e.at = "2026-02-01T09:30:00Z";
  return e;
}

inline store::Attachment attachment(Id application_id, const std::string& sha256) {
  store::Attachment a;
  a.application_id = application_id;
  a.kind = "appointment";
  a.file_name = "任职文件.pdf";
  a.media_type = "application/pdf";
  a.sha256 = sha256;
  a.uploaded_at = "2026-02-01T09:10:00Z";
  return a;
}

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

inline std::string sql(const std::string& path, const std::string& statement) {
  return RawDb(path).text(statement);
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_STORE_FIXTURES_HPP
