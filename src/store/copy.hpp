// SPDX-License-Identifier: Apache-2.0
// Copying a store's records to another backend (copy_store), one table at
// a time and one row at a time, by the columns' names: the schema is the
// same on every backend (schema.cpp), so a row's values go over unchanged.
// Internal.
#ifndef FUMA_SRC_STORE_COPY_HPP
#define FUMA_SRC_STORE_COPY_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fuma::store {

// One value of a row, as the source keeps it.
struct Value {
  enum class Kind { null, integer, text, bytes };
  Kind kind = Kind::null;
  std::int64_t integer = 0;
  std::string text;  // text, or bytes
};

// Where a copy's rows go.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // The rows of `table` follow, each a value for each of `columns`.
  virtual void table(std::string_view name, const std::vector<std::string>& columns) = 0;
  virtual void row(const std::vector<Value>& values) = 0;
  // The highest id `table` ever handed out, deleted rows' included (a
  // table whose ids must never be given again: its AUTOINCREMENT counter).
  virtual void highest_id(std::string_view table, std::int64_t id) = 0;
};

// A table a copy carries, in an order in which every row's parents come
// before it, and the columns its rows are read in order of.
struct CopiedTable {
  std::string_view name;
  std::string_view order;
};
const std::vector<CopiedTable>& copied_tables();

// A table of the schema a copy leaves out, and why; sqlite_only: one the
// SQLite schema has and the PostgreSQL one has not.
struct UncopiedTable {
  std::string_view name;
  std::string_view why;
  bool sqlite_only = false;
};
const std::vector<UncopiedTable>& uncopied_tables();

namespace sqlite {

class Connection;

// The SQLite store at `path`, opened to be copied: it must exist and be at
// this build's schema version (it is never upgraded here), and is read in
// one snapshot from construction to destruction; nothing is written to it.
class Source {
 public:
  Source(const std::string& path, int busy_timeout_ms);
  ~Source();
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Sends every copied table's rows, then the AUTOINCREMENT counters.
  void send(RowSink& sink);
  // The hash of the newest audit record in the snapshot; none if empty.
  std::optional<std::string> last_audit_hash();

 private:
  std::unique_ptr<Connection> conn_;
};

}  // namespace sqlite

namespace pg {

// Fills the PostgreSQL store at `uri` (made, or upgraded, to this build's
// schema first) with the rows `send` gives its sink, in one transaction:
// committed whole, or not at all. The store must hold no records
// (Errc::conflict otherwise, nothing written). Its identity sequences are
// set past every copied id (and past every highest_id), and the audit
// chain's head to the last copied record. Returns the rows copied per
// table, in the order sent.
std::vector<std::pair<std::string, std::uint64_t>> load(const std::string& uri, int wait_ms,
                                                        const std::function<void(RowSink&)>& send);

}  // namespace pg

}  // namespace fuma::store

#endif  // FUMA_SRC_STORE_COPY_HPP
