// SPDX-License-Identifier: Apache-2.0
#include "rules.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>

#include "fuma/error.hpp"

namespace fuma::store::rules {

std::vector<std::string> split_roles(const std::string& text) {
  std::vector<std::string> roles;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    roles.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return roles;
}

std::string join_roles(const std::vector<std::string>& roles) {
  std::string text;
  for (const auto& r : roles) {
    if (r.empty() || r.find_first_of(" \t\r\n") != std::string::npos) {
      throw Error(Errc::invalid_argument,
                  "staff role '" + r + "' must be a non-empty word without spaces", "角色名称无效");
    }
    if (!text.empty()) text += ' ';
    text += r;
  }
  return text;
}

// The store keeps fields_json queryable as JSON; checked here rather than by
// a CHECK constraint (see the SQLite schema for why).
std::string fields_json(const Application& a, const char* method) {
  if (a.fields_json.empty()) return "{}";
  std::error_code ec;
  const boost::json::value v = boost::json::parse(a.fields_json, ec);
  if (ec || !v.is_object()) {
    throw Error(Errc::invalid_argument,
                std::string(method) + ": fields_json is not a JSON object" +
                    (ec ? " (" + ec.message() + ")" : std::string()),
                "申请信息格式有误");
  }
  return a.fields_json;
}

void check_digest(std::string_view digest) {
  const bool hex = std::all_of(digest.begin(), digest.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (digest.size() != 64 || !hex) {
    throw Error(Errc::invalid_argument,
                "insert_attachment: digest must be 64 lower-case hex digits, got '" +
                    std::string(digest.substr(0, 80)) + "'",
                "附件摘要格式有误");
  }
}

std::string contains_pattern(std::string_view fragment) {
  std::string pattern = "%";
  for (char c : fragment) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

std::size_t characters(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

void missing(const char* method, const char* what, Id id) {
  throw Error(Errc::not_found,
              std::string(method) + ": " + what + " " + std::to_string(id) + " does not exist");
}

}  // namespace fuma::store::rules
