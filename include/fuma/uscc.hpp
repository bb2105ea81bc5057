// SPDX-License-Identifier: Apache-2.0
// fuma/uscc.hpp -- the Unified Social Credit Code (统一社会信用代码).
//
// GB 32100-2015: 18 characters over the 31-character alphabet
// 0-9 A-H J-N P Q R T U W X Y (no I O S V Z):
//
//   position 1      registration-authority code (登记管理部门代码)
//   position 2      category code (机构类别代码), meaning set per authority
//   positions 3-8   division code of the registration authority (GB/T 2260)
//   positions 9-17  organisation code (GB 11714): 8 characters + check char
//   position 18     check character (mod 31, weights 3^(i-1) mod 31)
//
// Everything here is pure: no I/O, no global mutable state, safe to call from
// any number of threads. The authority, category and division tables are
// data shipped inside the library and validated when first used.
#ifndef FUMA_USCC_HPP
#define FUMA_USCC_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuma::uscc {

// Why a code is invalid. Values are the C ABI's FUMA_USCC_* values.
enum class Reason : int {
  valid = 0,
  empty = 1,
  length = 2,
  charset = 3,
  authority = 4,
  category = 5,
  division = 6,
  org_check = 7,
  check = 8,
};

// "VALID", "EMPTY", "LENGTH", ... ; "UNKNOWN" out of range.
std::string_view reason_name(Reason r) noexcept;
// A Chinese sentence for the reason in general, e.g. "校验码错误".
std::string_view reason_message(Reason r) noexcept;

// Something true of a valid code that a clerk should know.
enum class Warning : int {
  normalized = 1,          // whitespace trimmed or lowercase uppercased
  abolished_division = 2,  // division code no longer in use (still valid)
};
std::string_view warning_name(Warning w) noexcept;

struct Division {
  std::string code;      // "440300"
  std::string province;  // "广东省"; empty for 100000 and 990000
  std::string name;      // latest name, "深圳市"
  std::string history;   // every name with its years, "[-1991]东郊区;[1992-]东丽区"
  std::optional<int> from_year;
  std::optional<int> to_year;  // set when abolished
  bool abolished() const { return to_year.has_value(); }
};

// The parts of a code, with their meanings where the code carries them.
struct Parts {
  char authority = 0;          // '1'
  std::string authority_name;  // "机构编制"
  char category = 0;           // '1'
  std::string category_name;   // "机关"
  std::string division;        // "440300"
  std::optional<Division> division_info;
  std::string org_code;  // "MB2C92067" (9 characters, last is its check)
  char check = 0;        // final check character
};

struct Check {
  Reason reason = Reason::empty;
  // The code after normalisation (trimmed, uppercased); what to store.
  std::string code;
  // For people (Chinese) and developers (English): exactly what is wrong,
  // with the position and character where one is at fault. Empty when valid.
  std::string message;
  std::string detail;
  // 1-based character position at fault, 0 when none applies.
  int position = 0;
  // Filled as far as the code could be read: complete for a valid code.
  std::optional<Parts> parts;
  std::vector<Warning> warnings;

  bool ok() const { return reason == Reason::valid; }
};

// Check a code. Accepts any bytes (empty, huge, invalid UTF-8, NUL bytes)
// and never throws except std::bad_alloc.
Check check(std::string_view input);

// The same verdict as check(input).reason, without building the result:
// no allocation, for hot paths. Like check(), it throws only if the tables
// shipped inside the library fail to load (fuma::Error, internal).
Reason validate(std::string_view input);

bool is_valid(std::string_view input);

// GB 11714 check character for 8 organisation-code characters, or 0 when a
// character is outside 0-9A-Z.
char org_check_char(std::string_view body8) noexcept;

// GB 32100 check character for the first 17 characters, or 0 when a
// character is outside the code alphabet.
char check_char(std::string_view first17) noexcept;

// Compose a code for on-site initial registration. `segment` is the
// organisation-code prefix reserved for the registration authority (0-7
// characters of the code alphabet); `serial` fills the remaining positions
// as zero-padded decimal digits, so distinct serials give distinct codes.
// Throws fuma::Error: invalid_argument for an unknown authority or category,
// a division not in GB/T 2260 or an abolished one (new codes use current
// divisions), or a bad segment; exhausted when serial needs more digits than
// remain.
std::string allocate(char authority, char category, std::string_view division,
                     std::string_view segment, std::uint64_t serial);

// How many serials a segment leaves: 10^(8 - segment length).
std::uint64_t serial_capacity(std::string_view segment);

// Tables shipped with the library.
struct Category {
  char code;
  std::string name;
};
struct Authority {
  char code;
  std::string name;
  std::vector<Category> categories;
};
const std::vector<Authority>& authorities();
// The division with this 6-digit code, current or historical.
std::optional<Division> find_division(std::string_view code);
std::size_t division_count();

}  // namespace fuma::uscc

#endif  // FUMA_USCC_HPP
