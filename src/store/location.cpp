// SPDX-License-Identifier: Apache-2.0
// Choosing a store by its location.
#include <string>

#include "copy.hpp"
#include "fuma/error.hpp"
#include "store.hpp"

namespace fuma::store {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Location Location::parse(std::string_view location) {
  if (location.find('\0') != std::string_view::npos) {
    throw Error(Errc::invalid_argument, "the store's location contains a NUL byte",
                "数据存储位置无效");
  }
  Location l;
  if (location.empty() || location == "memory:" || location == ":memory:") {
    l.backend = Backend::memory;
  } else if (starts_with(location, "postgresql://") || starts_with(location, "postgres://")) {
    l.backend = Backend::postgresql;
    l.target = std::string(location);
  } else if (starts_with(location, "sqlite:")) {
    l.backend = Backend::sqlite;
    l.target = std::string(location.substr(7));
    if (l.target.empty()) {
      throw Error(Errc::invalid_argument, "'sqlite:' names no file", "数据存储位置无效");
    }
  } else {
    l.backend = Backend::sqlite;
    l.target = std::string(location);
  }
  return l;
}

std::string Location::display() const {
  switch (backend) {
    case Backend::memory:
      return "memory:";
    case Backend::sqlite:
      return "sqlite:" + target;
    case Backend::postgresql:
      break;
  }
  // scheme://[user[:password]@]host...: the password, if any, is hidden.
  const std::size_t scheme = target.find("://");
  const std::size_t at = target.find('@', scheme + 3);
  const std::size_t slash = target.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return target;
  const std::size_t colon = target.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return target;
  return target.substr(0, colon + 1) + "***" + target.substr(at);
}

std::unique_ptr<Store> open(const Location& where, const OpenOptions& options) {
  switch (where.backend) {
    case Location::Backend::memory:
      return open_sqlite("", options.sqlite_busy_timeout_ms);
    case Location::Backend::sqlite:
      return open_sqlite(where.target, options.sqlite_busy_timeout_ms);
    case Location::Backend::postgresql:
      break;
  }
  return open_postgresql(where.target, options.postgresql_pool_size, options.postgresql_wait_ms);
}

CopyReport copy_store(const Location& from, const Location& to, const OpenOptions& options) {
  if (from.backend != Location::Backend::sqlite) {
    throw Error(Errc::invalid_argument,
                "copy: the source must be a SQLite file (sqlite:PATH), not " + from.display(),
                "复制的来源须为SQLite数据文件");
  }
  if (to.backend != Location::Backend::postgresql) {
    throw Error(Errc::invalid_argument,
                "copy: the target must be a PostgreSQL database (postgresql://...), not " +
                    to.display() + "; a SQLite file is copied with backup",
                "复制的目标须为PostgreSQL数据库");
  }
  // The source first: a source that cannot be copied leaves the target as
  // it was, not even given its tables.
  sqlite::Source source(from.target, options.sqlite_busy_timeout_ms);
  CopyReport report;
  report.schema_version = latest_schema_version();
  report.last_audit_hash = source.last_audit_hash();
  report.rows =
      pg::load(to.target, options.postgresql_wait_ms, [&](RowSink& sink) { source.send(sink); });
  return report;
}

}  // namespace fuma::store
