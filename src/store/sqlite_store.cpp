#include <sqlite3.h>

#include <mutex>
#include <string_view>
#include <vector>

#include "fuma/error.hpp"
#include "store.hpp"

namespace fuma {
namespace {

// PRAGMA application_id marks a file as fuma's ('FUMA'), so the engine never
// mistakes another program's SQLite file for its own or writes into it.
constexpr int kApplicationId = 0x46554D41;

// Each entry upgrades the schema by one version; entry i takes version i to
// i + 1. Released entries never change: add a new one instead.
const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> list = {
      // 0 -> 1: the metadata every fuma database carries.
      "CREATE TABLE meta ("
      "  key   TEXT PRIMARY KEY,"
      "  value TEXT NOT NULL"
      ") STRICT;"
      "INSERT INTO meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));",
  };
  return list;
}

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  const int rc = db ? sqlite3_errcode(db) : SQLITE_ERROR;
  const char* msg = db ? sqlite3_errmsg(db) : "unknown";
  if (rc == SQLITE_NOTADB) {
    throw Error(Errc::storage, std::string(what) + ": the file is not a database",
                "数据文件不是有效的数据库");
  }
  throw Error(Errc::storage, std::string(what) + ": " + msg);
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, int busy_timeout_ms) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX |
                      SQLITE_OPEN_EXRESCODE;
    const char* name = path.empty() ? ":memory:" : path.c_str();
    if (sqlite3_open_v2(name, &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw Error(Errc::storage, "cannot open '" + path + "': " + msg, "无法打开数据文件");
    }
    try {
      sqlite3_busy_timeout(db_, busy_timeout_ms);
      exec("PRAGMA foreign_keys = ON");
      const int app = pragma_int("application_id");
      version_ = pragma_int("user_version");
      if (app != kApplicationId && (app != 0 || table_count() != 0)) {
        throw Error(Errc::storage, "'" + path + "' is a SQLite file of another program",
                    "数据文件不属于本系统");
      }
      if (version_ > latest_schema_version()) {
        throw Error(Errc::version,
                    "schema version " + std::to_string(version_) + " is newer than this build's " +
                        std::to_string(latest_schema_version()));
      }
      if (!path.empty()) exec("PRAGMA journal_mode = WAL");
      exec("PRAGMA synchronous = FULL");
      migrate();
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }

  ~SqliteStore() override { sqlite3_close(db_); }

  int schema_version() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return version_;
  }

 private:
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      sqlite3_free(err);
      fail(db_, sql);
    }
  }

  int query_int(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) fail(db_, sql);
    const int rc = sqlite3_step(stmt);
    const int value = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db_, sql);
    return value;
  }

  int pragma_int(std::string_view name) {
    return query_int(("PRAGMA " + std::string(name)).c_str());
  }

  int table_count() { return query_int("SELECT count(*) FROM sqlite_schema"); }

  // Runs the pending migrations, each in its own transaction together with
  // the version bump, so a crash leaves the file at a whole version.
  void migrate() {
    const auto& list = migrations();
    while (version_ < static_cast<int>(list.size())) {
      exec("BEGIN IMMEDIATE");
      try {
        exec(std::string(list[static_cast<std::size_t>(version_)]).c_str());
        exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
        exec(("PRAGMA user_version = " + std::to_string(version_ + 1)).c_str());
        exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      ++version_;
    }
  }

  sqlite3* db_ = nullptr;
  mutable std::mutex mutex_;
  int version_ = 0;
};

}  // namespace

int latest_schema_version() { return static_cast<int>(migrations().size()); }

std::unique_ptr<Store> open_sqlite_store(const std::string& path, int busy_timeout_ms) {
  return std::make_unique<SqliteStore>(path, busy_timeout_ms);
}

}  // namespace fuma
