// SPDX-License-Identifier: Apache-2.0
#include "text.hpp"

#include <cstdint>

#include "fuma/error.hpp"

namespace fuma::engine {
namespace {

// Decodes the code point at text[i] (well-formed UTF-8) and its length.
std::uint32_t decode(std::string_view text, std::size_t i, std::size_t& len) {
  const auto b = static_cast<unsigned char>(text[i]);
  if (b < 0x80) {
    len = 1;
    return b;
  }
  len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  if (i + len > text.size()) {
    len = text.size() - i;
    return 0xFFFD;
  }
  std::uint32_t cp = b & (0xFF >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  }
  return cp;
}

bool is_space(std::uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' ||
         cp == 0xA0 || cp == 0x3000 || cp == 0xFEFF;
}

// Characters that must not reach a record: C0 and C1 controls, line and
// paragraph separators, bidirectional overrides and isolates, the BOM.
bool is_forbidden(std::uint32_t cp, bool multiline) {
  if (multiline && (cp == '\n' || cp == '\r' || cp == '\t')) return false;
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF ||
         cp == 0x200E || cp == 0x200F;
}

}  // namespace

std::string trim(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t len = 0;
    if (!is_space(decode(text, begin, len))) break;
    begin += len;
  }
  // Scan forward remembering where the last non-space ends: decoding
  // backwards would need to find character starts.
  std::size_t end = begin;
  for (std::size_t i = begin; i < text.size();) {
    std::size_t len = 0;
    const std::uint32_t cp = decode(text, i, len);
    i += len;
    if (!is_space(cp)) end = i;
  }
  return std::string(text.substr(begin, end - begin));
}

std::size_t char_count(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Checked check_text(std::string_view text, std::string_view label, const TextRule& rule) {
  Checked out{trim(text), {}};
  for (std::size_t i = 0; i < out.value.size();) {
    std::size_t len = 0;
    if (is_forbidden(decode(out.value, i, len), rule.multiline)) {
      out.problem = std::string(label) + "含有不允许的控制字符";
      return out;
    }
    i += len;
  }
  if (char_count(out.value) > rule.max_chars) {
    out.problem = std::string(label) + "不能超过" + std::to_string(rule.max_chars) + "个字";
  }
  return out;
}

std::string required_text(std::string_view text, std::string_view arg, std::string_view label,
                          const TextRule& rule) {
  Checked c = check_text(text, label, rule);
  if (c.problem.empty() && c.value.empty()) c.problem = "请填写" + std::string(label);
  if (!c.problem.empty()) {
    throw Error(Errc::invalid_argument, "args." + std::string(arg) + " is not acceptable",
                c.problem, {Problem{std::string(arg), c.problem, {}, {}}});
  }
  return std::move(c.value);
}

std::string display_file_name(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string kept;
  for (std::size_t i = 0; i < name.size();) {
    std::size_t len = 0;
    const std::uint32_t cp = decode(name, i, len);
    if (!is_forbidden(cp, false)) kept.append(name.substr(i, len));
    i += len;
  }
  kept = trim(kept);
  // Cut at a character boundary, keeping the end (the extension) visible.
  constexpr std::size_t kMax = 100;
  const std::size_t count = char_count(kept);
  if (count > kMax) {
    std::size_t drop = count - kMax, i = 0;
    while (drop > 0) {
      std::size_t len = 0;
      decode(kept, i, len);
      i += len;
      --drop;
    }
    kept.erase(0, i);
  }
  if (kept.empty() || kept == "." || kept == "..") kept = "附件";
  return kept;
}

}  // namespace fuma::engine
