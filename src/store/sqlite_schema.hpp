// SPDX-License-Identifier: Apache-2.0
// The SQLite schema of the store, as a list of migrations. Internal.
#ifndef FUMA_SRC_STORE_SQLITE_SCHEMA_HPP
#define FUMA_SRC_STORE_SQLITE_SCHEMA_HPP

#include <string_view>
#include <vector>

namespace fuma::store::sqlite {

// PRAGMA application_id marks a file as fuma's ('FUMA'), so the store never
// mistakes another program's SQLite file for its own or writes into it.
constexpr int kApplicationId = 0x46554D41;

// The SQLite column of store::migrations() (schema.hpp): entry i takes the
// schema from version i to i + 1 (PRAGMA user_version).
const std::vector<std::string_view>& migrations();

}  // namespace fuma::store::sqlite

#endif  // FUMA_SRC_STORE_SQLITE_SCHEMA_HPP
