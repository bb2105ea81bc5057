// SPDX-License-Identifier: Apache-2.0
// One SQLite connection with its prepared statements, and the translation of
// SQLite's result codes into fuma::Error. Internal to the SQLite store.
//
// A Connection is used by one thread at a time (the store hands it out under
// a lock), so it is opened with SQLITE_OPEN_NOMUTEX and holds no lock itself.
#ifndef FUMA_SRC_STORE_SQLITE_CONNECTION_HPP
#define FUMA_SRC_STORE_SQLITE_CONNECTION_HPP

#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace fuma::store::sqlite {

class Connection {
 public:
  // Opens `path` with SQLITE_OPEN_* `flags` and the settings every fuma
  // connection has: extended result codes, foreign keys, the busy timeout,
  // untrusted schema. Throws Error(storage).
  Connection(const std::string& path, int flags, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }

  // Runs SQL that takes no parameters: schema scripts, pragmas, BEGIN and
  // COMMIT. Everything that carries data goes through Statement.
  void exec(const char* sql, std::string_view context);

  // Runs one parameterless statement through the statement cache: for
  // BEGIN, COMMIT and savepoints, which run on every transaction and would
  // otherwise be parsed again each time.
  void run(std::string_view sql, std::string_view context);

  // The first column of the first row of a parameterless query, 0 if none.
  std::int64_t query_int(const char* sql, std::string_view context);

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Rolls back the open transaction, if any. Never throws: it runs on paths
  // that are already reporting an error.
  void rollback() noexcept;

  // Throws the fuma::Error for result code `rc` of the last call on this
  // connection; `context` names the operation for the English detail.
  [[noreturn]] void fail(int rc, std::string_view context) const;

 private:
  friend class Statement;

  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  // A statement for `sql`: the cached one, or a fresh one when the cached
  // one is still stepping (a callback that re-enters the same query).
  sqlite3_stmt* acquire(std::string_view sql, std::string_view context, Cached*& entry);
  void release(sqlite3_stmt* stmt, Cached* entry) noexcept;

  static int on_busy(void* self, int count) noexcept;

  sqlite3* db_ = nullptr;
  int busy_timeout_ms_ = 0;
  std::chrono::steady_clock::time_point busy_since_;
  std::unordered_map<std::string, Cached> cache_;
  // The key of a cache lookup, kept for its capacity: a statement's text is
  // longer than a short string, and a fresh key would allocate every time.
  std::string key_;
  // Where each statement's text was last seen, by address: nearly every
  // statement's text is a literal or a static, so the next use finds its
  // entry without hashing the text. A hit is confirmed by comparing the
  // text itself, since another text may later occupy the same address.
  struct Recent {
    const char* text = nullptr;
    const std::string* key = nullptr;  // the cache's own key (map keys do not move)
    Cached* entry = nullptr;
  };
  static constexpr std::size_t kRecent = 64;
  Recent recent_[kRecent];
};

// Bytes bound as a BLOB rather than as text (see Statement::bind).
struct Blob {
  std::string_view bytes;
};

// A prepared statement borrowed from its connection's cache for one use;
// the destructor resets it so it holds no read lock and no bound values.
class Statement {
 public:
  Statement(Connection& c, std::string_view sql, std::string_view context);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds the values to parameters 1, 2, 3, ... in order. Text and blobs are
  // bound without a copy, so every value must outlive the statement's last
  // step: bind and step in one expression (temporaries live to its end), or
  // bind objects that are still alive when the steps run.
  template <class... T>
  Statement& bind(const T&... values) {
    int index = 0;
    (bind_one(++index, values), ...);
    return *this;
  }

  // Advances to the next row: true when there is one.
  bool step();
  // Steps a statement that returns no rows to its end.
  void run();
  // Runs an INSERT, UPDATE or DELETE to its end: the rows it changed itself
  // (not those its triggers changed).
  std::int64_t execute();
  // The rowid the connection's last INSERT made (after execute()). Cheaper
  // than RETURNING, which gathers its rows in a temporary table first.
  std::int64_t inserted_id() const;

  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool boolean(int column) const { return int64(column) != 0; }
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::string blob(int column) const;

 private:
  template <class T>
  void bind_one(int index, const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      bind_int64(index, value ? 1 : 0);
    } else if constexpr (std::is_integral_v<T>) {
      bind_integer(index, value);
    } else if constexpr (std::is_same_v<T, Blob>) {
      bind_blob(index, value.bytes);
    } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
      if (value) {
        bind_text(index, *value);
      } else {
        bind_null(index);
      }
    } else {
      bind_text(index, std::string_view(value));
    }
  }
  template <class T>
  void bind_integer(int index, T value) {
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      bind_int64(index,
                 value > static_cast<T>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(value));
    } else {
      bind_int64(index, static_cast<std::int64_t>(value));
    }
  }
  void bind_int64(int index, std::int64_t value);
  void bind_text(int index, std::string_view value);
  void bind_blob(int index, std::string_view value);
  void bind_null(int index);
  void check(int rc);

  Connection& conn_;
  std::string_view context_;
  sqlite3_stmt* stmt_ = nullptr;
  Connection::Cached* entry_ = nullptr;  // null: prepared for this use only
};

}  // namespace fuma::store::sqlite

#endif  // FUMA_SRC_STORE_SQLITE_CONNECTION_HPP
