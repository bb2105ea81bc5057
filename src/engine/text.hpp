// SPDX-License-Identifier: Apache-2.0
// The checks every piece of free text from a request goes through before it
// is kept: trimmed, within a length counted in characters (not bytes), and
// free of control and direction-override characters that would corrupt a
// printed form or disguise a name. Boost.JSON has already refused invalid
// UTF-8, so the input here is well-formed.
#ifndef FUMA_SRC_ENGINE_TEXT_HPP
#define FUMA_SRC_ENGINE_TEXT_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fuma::engine {

struct TextRule {
  std::size_t max_chars = 100;
  bool multiline = false;  // line breaks and tabs allowed (a reason, a reply)
};

// Removes ASCII whitespace, no-break spaces and ideographic spaces (U+3000,
// what Chinese input methods type) at both ends.
std::string trim(std::string_view text);
std::size_t char_count(std::string_view utf8);

// The trimmed text, or why it is not acceptable (a Chinese sentence naming
// `label`). Empty text is acceptable here; callers decide if it is required.
struct Checked {
  std::string value;
  std::string problem;  // empty when acceptable
};
Checked check_text(std::string_view text, std::string_view label, const TextRule& rule);

// For setup arguments: the trimmed, non-empty text, or Error(invalid_argument)
// naming the argument.
std::string required_text(std::string_view text, std::string_view arg, std::string_view label,
                          const TextRule& rule);

// A name to show for an uploaded file: only the last path component (either
// separator), without control characters, at most 100 characters, never
// empty. It is never used as a path.
std::string display_file_name(std::string_view name);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_TEXT_HPP
