// SPDX-License-Identifier: Apache-2.0
// Filling an empty PostgreSQL store with a copy (copy.hpp): one
// transaction, which first takes the audit chain's head as every fuma
// write does, so that no host writes meanwhile, checks that no table holds
// a record, inserts every row sent with its own ids, and then sets each
// identity sequence past the ids copied and the chain's head to the last
// record copied.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "copy.hpp"
#include "fuma/error.hpp"
#include "pg_connection.hpp"
#include "store.hpp"

namespace fuma::store::pg {
namespace {

// Names come from the schema's own list and the source's columns, never
// from a user; quoted all the same, as identifiers.
std::string quoted(std::string_view name) {
  std::string out = "\"";
  for (char ch : name) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

// Rows go in batches, many to an INSERT: one round trip to the server for
// each batch rather than for each row, which over a network is most of a
// copy's time. A batch ends at kBatchRows rows, at PostgreSQL's limit of
// parameters to a statement, or once it holds kBatchBytes (attachments'
// content), whichever comes first.
constexpr std::size_t kBatchRows = 500;
constexpr std::size_t kMaxParams = 65535;
constexpr std::size_t kBatchBytes = 8u << 20;

class Inserter final : public RowSink {
 public:
  explicit Inserter(Connection& c) : c_(c) {}

  void table(std::string_view name, const std::vector<std::string>& columns) override {
    flush();
    prefix_ = "INSERT INTO " + quoted(name) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      prefix_ += (i > 0 ? ", " : "") + quoted(columns[i]);
    }
    prefix_ += ") VALUES ";
    columns_ = std::max<std::size_t>(columns.size(), 1);
    batch_rows_ = std::min(kBatchRows, kMaxParams / columns_);
    context_ = "copy into " + std::string(name);
    counts_.emplace_back(std::string(name), 0);
  }

  void row(const std::vector<Value>& values) override {
    for (const Value& v : values) {
      switch (v.kind) {
        case Value::Kind::null:
          pending_.append_null();
          break;
        case Value::Kind::integer:
          pending_.append_text(std::to_string(v.integer));
          break;
        case Value::Kind::text:
          pending_.append_text(v.text);
          break;
        case Value::Kind::bytes:
          pending_.append_bytes(v.text);
          break;
      }
      pending_bytes_ += v.text.size();
    }
    if (++pending_rows_ >= batch_rows_ || pending_bytes_ >= kBatchBytes) flush();
  }

  void highest_id(std::string_view table, std::int64_t id) override {
    std::int64_t& h = highest_[std::string(table)];
    h = std::max(h, id);
  }

  // Sends the rows still pending.
  void flush() {
    if (pending_rows_ == 0) return;
    std::string sql = prefix_;
    std::size_t param = 0;
    for (std::size_t r = 0; r < pending_rows_; ++r) {
      sql += r > 0 ? ", (" : "(";
      for (std::size_t i = 0; i < columns_; ++i) {
        sql += (i > 0 ? ", $" : "$") + std::to_string(++param);
      }
      sql += ")";
    }
    c_.run(sql, std::move(pending_), context_);
    counts_.back().second += pending_rows_;
    pending_ = Params();
    pending_rows_ = 0;
    pending_bytes_ = 0;
  }

  const std::map<std::string, std::int64_t>& highest() const { return highest_; }
  std::vector<std::pair<std::string, std::uint64_t>>& counts() { return counts_; }

 private:
  Connection& c_;
  std::string prefix_;
  std::string context_;
  std::size_t columns_ = 1;
  std::size_t batch_rows_ = 1;
  Params pending_;
  std::size_t pending_rows_ = 0;
  std::size_t pending_bytes_ = 0;
  std::vector<std::pair<std::string, std::uint64_t>> counts_;
  std::map<std::string, std::int64_t> highest_;
};

// Errc::conflict naming the first table that holds a record.
void refuse_unless_empty(Connection& c, const std::string& where) {
  std::vector<std::string_view> tables;
  for (const CopiedTable& t : copied_tables()) {
    if (t.name != "meta") tables.push_back(t.name);  // a new store has its own facts
  }
  for (const UncopiedTable& t : uncopied_tables()) {
    if (!t.sqlite_only) tables.push_back(t.name);
  }
  for (std::string_view t : tables) {
    const Result r =
        c.query("SELECT EXISTS (SELECT 1 FROM " + quoted(t) + ")", "copy: check the target");
    if (r.boolean(0, 0)) {
      throw Error(Errc::conflict,
                  "copy: the PostgreSQL store " + where + " is not empty (table " + std::string(t) +
                      " holds records); a store is copied only into one that holds none, and "
                      "nothing was written",
                  "目标数据库已有数据，只能复制到空的数据库；未写入任何数据");
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, std::uint64_t>> load(const std::string& uri, int wait_ms,
                                                        const std::function<void(RowSink&)>& send) {
  // Made or upgraded to this build's schema, or refused (another program's
  // tables, a newer fuma's), by the store itself.
  open_postgresql(uri, 1, wait_ms).reset();
  Connection c(uri);
  const Location where = Location::parse(uri);
  std::vector<std::pair<std::string, std::uint64_t>> counts;
  try {
    c.exec("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT seq FROM audit_head FOR UPDATE",
           "copy: begin");
    refuse_unless_empty(c, where.display());
    // The store's facts are the source's: its creation, its crypto suite.
    c.exec("DELETE FROM meta", "copy into meta");
    Inserter inserter(c);
    send(inserter);
    inserter.flush();
    const Result identities = c.query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY 1",
        "copy: sequences");
    for (int i = 0; i < identities.rows(); ++i) {
      const std::string table = identities.text(i, 0);
      const std::string column = identities.text(i, 1);
      const Result max =
          c.query("SELECT coalesce(max(" + quoted(column) + "), 0) FROM " + quoted(table),
                  "copy: sequences");
      std::int64_t past = max.int64(0, 0);
      const auto h = inserter.highest().find(table);
      if (h != inserter.highest().end()) past = std::max(past, h->second);
      if (past > 0) {
        c.query("SELECT setval(pg_get_serial_sequence($1, $2), $3)", "copy: sequences",
                quoted(table), column, past);
      }
    }
    c.exec(
        "UPDATE audit_head SET seq = coalesce((SELECT max(seq) FROM audit), 0), "
        "hash = (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)",
        "copy: the audit chain's head");
    counts = std::move(inserter.counts());
    c.exec("COMMIT", "copy: commit");
  } catch (...) {
    c.rollback();
    throw;
  }
  return counts;
}

}  // namespace fuma::store::pg
