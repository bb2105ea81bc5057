// SPDX-License-Identifier: Apache-2.0
// The schema of the store: one versioned list of migrations, each in the
// dialect of every backend. Internal.
#ifndef FUMA_SRC_STORE_SCHEMA_HPP
#define FUMA_SRC_STORE_SCHEMA_HPP

#include <string_view>
#include <vector>

namespace fuma::store {

// One step of the schema, side by side for each backend: the same tables,
// columns, indexes and rules.
struct Migration {
  std::string_view sqlite;
  std::string_view postgresql;
};

// Entry i takes the schema from version i to i + 1. Released entries never
// change: a database in the field was made by them. A database at a higher
// version than the list's length was made by a newer fuma and is refused.
const std::vector<Migration>& migrations();

}  // namespace fuma::store

#endif  // FUMA_SRC_STORE_SCHEMA_HPP
