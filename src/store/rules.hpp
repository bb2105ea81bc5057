// SPDX-License-Identifier: Apache-2.0
// The checks and encodings every backend of the store applies alike, before
// a value reaches its database. Internal.
#ifndef FUMA_SRC_STORE_RULES_HPP
#define FUMA_SRC_STORE_RULES_HPP

#include <string>
#include <string_view>
#include <vector>

#include "store.hpp"

namespace fuma::store::rules {

// Staff roles as the store keeps them: space-separated, in order. A role
// that is empty or holds a space is Errc::invalid_argument.
std::vector<std::string> split_roles(const std::string& text);
std::string join_roles(const std::vector<std::string>& roles);

// The application's fields as stored: "{}" for "", the text itself when it
// is a JSON object, Errc::invalid_argument otherwise (`method` names the
// caller in the detail).
std::string fields_json(const Application& a, const char* method);

// Errc::invalid_argument unless `digest` is 64 lower-case hex digits.
void check_digest(std::string_view digest);

// A LIKE pattern matching names that contain `fragment` as written: its
// '%', '_' and '\' are escaped with '\'.
std::string contains_pattern(std::string_view fragment);

// units_by_name in two steps, on both backends: the first kNameScanRows
// names in order are looked through for a full page (what many names
// hold, found at once); failing that, a fragment of at least
// kNameGramLength characters is looked up in the names' trigram index
// (what few names hold, however far apart), and a shorter one walks the
// names in order to the end.
inline constexpr std::size_t kNameScanRows = 2000;
inline constexpr std::size_t kNameGramLength = 3;

// The characters (code points) of UTF-8 text.
std::size_t characters(std::string_view utf8);

// Errc::not_found: `method`'s `what` `id` does not exist.
[[noreturn]] void missing(const char* method, const char* what, Id id);

}  // namespace fuma::store::rules

#endif  // FUMA_SRC_STORE_RULES_HPP
