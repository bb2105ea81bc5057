// SPDX-License-Identifier: Apache-2.0
// One PostgreSQL connection (libpq) with its prepared statements, and the
// translation of PostgreSQL's SQLSTATEs into fuma::Error. Internal to the
// PostgreSQL store.
//
// Every statement that carries a value is prepared once per connection and
// executed with its values as parameters: no value is ever part of SQL text.
// A Connection is used by one thread at a time (the store's pool lends it).
#ifndef FUMA_SRC_STORE_PG_CONNECTION_HPP
#define FUMA_SRC_STORE_PG_CONNECTION_HPP

#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fuma::store::pg {

// Bytes sent as BYTEA rather than as text.
struct Bytes {
  std::string_view bytes;
};

// The values of one statement, in parameter order ($1, $2, ...).
class Params {
 public:
  template <class... T>
  explicit Params(const T&... values) {
    values_.reserve(sizeof...(T));
    (add(values), ...);
  }
  // One more value, for a statement whose columns are known only at run
  // time (copy_store): a text, BYTEA's bytes, or NULL.
  void append_text(std::string_view text) { push_text(text); }
  void append_bytes(std::string_view bytes) { push(std::string(bytes), 1); }
  void append_null() { null(); }
  // The values as one text, telling NULL from "" apart: with a statement's
  // SQL, the key of a result read ahead (PgTransaction::read_ahead).
  std::string signature() const;

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return pointers_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  // Pointers are taken once every value is in place (values_ may move).
  void seal();

 private:
  template <class T>
  void add(const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      push(value ? "true" : "false", 0);
    } else if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
        push(std::to_string(value > static_cast<T>(INT64_MAX) ? INT64_MAX
                                                              : static_cast<std::int64_t>(value)),
             0);
      } else {
        push(std::to_string(static_cast<std::int64_t>(value)), 0);
      }
    } else if constexpr (std::is_same_v<T, Bytes>) {
      push(std::string(value.bytes), 1);
    } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
      if (value) {
        push_text(*value);
      } else {
        null();
      }
    } else {
      push_text(std::string_view(value));
    }
  }
  void push_text(std::string_view text);
  void push(std::string value, int format);
  void null();

  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<const char*> pointers_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// The rows of one statement, in text format.
class Result {
 public:
  explicit Result(PGresult* r) : r_(r) {}
  ~Result() { PQclear(r_); }
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result& operator=(Result&& o) noexcept {
    if (this != &o) {
      PQclear(r_);
      r_ = o.r_;
      o.r_ = nullptr;
    }
    return *this;
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;

  // The same rows in a result of its own.
  Result copy() const;

  int rows() const { return PQntuples(r_); }
  bool empty() const { return rows() == 0; }
  // The rows an INSERT, UPDATE or DELETE changed.
  std::int64_t affected() const;

  bool null(int row, int column) const { return PQgetisnull(r_, row, column) != 0; }
  std::string text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  bool boolean(int row, int column) const;
  // A BYTEA column, decoded from its hex text form.
  std::string bytes(int row, int column) const;

  const PGresult* raw() const { return r_; }

 private:
  PGresult* r_;
};

// A statement of a pipeline: SQL with its values, or SQL without any (a
// transaction's BEGIN, SET LOCAL, SAVEPOINT), sent as it is.
struct Statement {
  std::string_view sql;
  Params params;
};

class Connection {
 public:
  // Connects to `uri` (a libpq connection URI or keyword string). Throws
  // Error(store_unavailable) when the server cannot be reached.
  explicit Connection(const std::string& uri);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Whether the connection is still usable (not lost, not left inside a
  // transaction).
  bool healthy() const;
  bool in_transaction() const;
  // Whether the server is still there as far as the connection can tell
  // without a round trip: reads what has arrived (a server that ended the
  // session, in a restart or by pg_terminate_backend, has said so and
  // closed the socket) without waiting.
  bool alive();

  // SQL without parameters: schema scripts, BEGIN, COMMIT.
  void exec(const char* sql, std::string_view context);

  // Runs `sql` (prepared on its first use on this connection) with `params`.
  Result run(std::string_view sql, Params params, std::string_view context);

  template <class... T>
  Result query(std::string_view sql, std::string_view context, const T&... values) {
    return run(sql, Params(values...), context);
  }

  // Sends every statement at once and reads their answers together: one
  // round trip to the server for all of them (libpq's pipeline mode), run
  // by the server in order as if sent one by one. Returns their results in
  // order; the first that fails is thrown, as run() throws it, once every
  // answer is read (the server skips the statements after it), with its
  // place in `statements` left in `failed` when one is given.
  std::vector<Result> pipeline(std::vector<Statement>& statements, std::string_view context,
                               std::size_t* failed = nullptr);

  // Sends `sql` (a read-only transaction's COMMIT, which cannot fail while
  // the connection lasts) without waiting for its answer: the next
  // statement on the connection reads that answer first, long arrived by
  // then. One round trip less a read.
  void send_later(const char* sql);

  // Rolls back the open transaction, if any. Never throws.
  void rollback() noexcept;

  // Where the connection goes, without its password: "host:port/db".
  std::string where() const;

 private:
  [[noreturn]] void fail(const PGresult* r, std::string_view context);
  // Reads the answer send_later left unread; Errc::store_unavailable when
  // it says the statement failed.
  void settle();
  // The name of `sql`'s prepared statement, and whether it must be
  // prepared first (it is then taken as prepared).
  std::pair<std::string, bool> statement_name(std::string_view sql);

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::uint64_t statements_named_ = 0;
  bool unread_ = false;  // send_later's answer is still to be read
};

}  // namespace fuma::store::pg

#endif  // FUMA_SRC_STORE_PG_CONNECTION_HPP
