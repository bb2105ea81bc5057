// SPDX-License-Identifier: Apache-2.0
// Reading a SQLite store to copy it (copy.hpp): every row of every copied
// table, by column name, in one read snapshot, with nothing written to the
// file, which is neither created nor upgraded here.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "copy.hpp"
#include "fuma/error.hpp"
#include "sqlite_connection.hpp"
#include "sqlite_schema.hpp"
#include "store.hpp"

namespace fuma::store::sqlite {
namespace {

// A statement prepared for one query of the copy (not through the
// connection's cache: its columns are read by name and type).
class Query {
 public:
  Query(Connection& c, const std::string& sql) : c_(c) {
    const int rc = sqlite3_prepare_v2(c.handle(), sql.c_str(), -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) c.fail(rc, "copy: " + sql);
  }
  ~Query() { sqlite3_finalize(stmt_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    c_.fail(rc, "copy: read");
  }
  int columns() const { return sqlite3_column_count(stmt_); }
  std::string name(int i) const { return sqlite3_column_name(stmt_, i); }
  Value value(int i) const {
    Value v;
    switch (sqlite3_column_type(stmt_, i)) {
      case SQLITE_INTEGER:
        v.kind = Value::Kind::integer;
        v.integer = sqlite3_column_int64(stmt_, i);
        break;
      case SQLITE_TEXT:
        v.kind = Value::Kind::text;
        v.text.assign(reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i)),
                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
        break;
      case SQLITE_BLOB: {
        v.kind = Value::Kind::bytes;
        const void* p = sqlite3_column_blob(stmt_, i);
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i));
        if (n > 0) v.text.assign(static_cast<const char*>(p), n);
        break;
      }
      case SQLITE_NULL:
        break;
      default:
        // A REAL: no column of the schema holds one (its tables are STRICT).
        throw Error(Errc::storage, "copy: column '" + name(i) + "' holds a value of no known type",
                    "数据文件内容有误");
    }
    return v;
  }

 private:
  Connection& c_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

Source::Source(const std::string& path, int busy_timeout_ms) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(Errc::not_found, "copy: there is no SQLite store at '" + path + "'",
                "源数据文件不存在：" + path);
  }
  // Read-write without CREATE and query_only, as the store's own readers
  // open it: a read-only connection could not read a WAL file whose
  // shared-memory index it may not write.
  conn_ = std::make_unique<Connection>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                       busy_timeout_ms);
  conn_->exec("PRAGMA query_only = ON", "copy");
  conn_->exec("BEGIN", "copy");
  // The snapshot starts at the first read, which is this one: the version
  // checked is the version of the rows copied.
  const auto app = conn_->query_int("PRAGMA application_id", "copy");
  const auto version = static_cast<int>(conn_->query_int("PRAGMA user_version", "copy"));
  conn_->query_int("SELECT count(*) FROM sqlite_schema", "copy");
  if (app != kApplicationId) {
    throw Error(Errc::storage, "copy: '" + path + "' is not a fuma store",
                "源数据文件不属于本系统");
  }
  if (version != latest_schema_version()) {
    const std::string v = std::to_string(version);
    const std::string latest = std::to_string(latest_schema_version());
    throw Error(Errc::version,
                "copy: the store at '" + path + "' has schema version " + v + ", this fuma's is " +
                    latest +
                    (version < latest_schema_version()
                         ? ": open it once with this fuma (start fuma-host on it, or run fuma-host "
                           "verify-audit), which upgrades it, then copy it"
                         : ": it was written by a newer fuma; copy it with that one"),
                "源数据文件的版本（" + v + "）与本程序（" + latest + "）不一致，请先升级后再复制");
  }
}

Source::~Source() {
  if (conn_) conn_->rollback();
}

void Source::send(RowSink& sink) {
  for (const CopiedTable& t : copied_tables()) {
    Query q(*conn_, "SELECT * FROM " + std::string(t.name) + " ORDER BY " + std::string(t.order));
    std::vector<std::string> columns;
    for (int i = 0; i < q.columns(); ++i) columns.push_back(q.name(i));
    sink.table(t.name, columns);
    std::vector<Value> row(columns.size());
    while (q.step()) {
      for (int i = 0; i < q.columns(); ++i) row[static_cast<std::size_t>(i)] = q.value(i);
      sink.row(row);
    }
  }
  // Applications and attachments are AUTOINCREMENT: an id once given is
  // never given again, even when its row was deleted since (the newest
  // ones too), because audit records and events still name it.
  Query counters(*conn_, "SELECT name, seq FROM sqlite_sequence ORDER BY name");
  while (counters.step()) {
    const Value name = counters.value(0);
    const Value seq = counters.value(1);
    if (name.kind == Value::Kind::text && seq.kind == Value::Kind::integer) {
      sink.highest_id(name.text, seq.integer);
    }
  }
}

std::optional<std::string> Source::last_audit_hash() {
  Query q(*conn_, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1");
  if (!q.step()) return std::nullopt;
  return q.value(0).text;
}

}  // namespace fuma::store::sqlite
