// SPDX-License-Identifier: Apache-2.0
#include "fuma/uscc.hpp"

#include <array>
#include <cstdio>

#include "fuma/error.hpp"
#include "tables.hpp"

namespace fuma::uscc {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::size_t kLength = 18;

// GB 32100: weight of position i (1-based) is 3^(i-1) mod 31.
constexpr std::array<int, 17> kCheckWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                               29, 25, 13, 8,  24, 10, 30, 28};
// GB 11714 weights of the 8 organisation-code body characters.
constexpr std::array<int, 8> kOrgWeights = {3, 7, 9, 10, 5, 8, 4, 2};

// Character -> value in the code alphabet, -1 outside it: a table, because
// this sits on the hot path of every check.
constexpr std::array<signed char, 256> kValues = [] {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  }
  return t;
}();

int code_value(char c) noexcept { return kValues[static_cast<unsigned char>(c)]; }

// GB 11714's own alphabet: digits are 0-9, letters A..Z are 10..35.
int org_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Length in bytes of the UTF-8 sequence starting at s[i], or 0 when the bytes
// there are not valid UTF-8 (then the caller counts one byte as one unit).
std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  char32_t min = 0;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  char32_t cp = b & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

char32_t utf8_decode(std::string_view s, std::size_t i, std::size_t n) noexcept {
  if (n == 1) return static_cast<unsigned char>(s[i]);
  char32_t cp = static_cast<unsigned char>(s[i]) & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

std::string hex_cp(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// The verdict with what is needed to explain it. check() and validate()
// share this one scan so they can never disagree.
struct Scan {
  Reason reason = Reason::valid;
  int position = 0;       // 1-based character at fault
  std::size_t chars = 0;  // characters counted (for LENGTH)
  std::string_view bad;   // the offending bytes (for CHARSET)
  bool bad_utf8 = false;
  bool normalized = false;
  std::array<char, kLength> code{};  // uppercased, valid once length is 18
  const Authority* authority = nullptr;
  const Category* category = nullptr;
  const Division* division = nullptr;
  char expected = 0;  // the check character the code should have had
};

void scan(std::string_view input, Scan& s) {
  std::string_view t = trim(input);
  s.normalized = t.size() != input.size();
  if (t.empty()) {
    s.reason = Reason::empty;
    return;
  }
  // Count characters, not bytes: an 18-character code typed with a
  // full-width letter is a character-set problem, not a length problem.
  for (std::size_t i = 0; i < t.size();) {
    std::size_t n = utf8_length(t, i);
    i += n == 0 ? 1 : n;
    ++s.chars;
  }
  if (s.chars != kLength) {
    s.reason = Reason::length;
    return;
  }
  std::size_t ci = 0;
  for (std::size_t i = 0; i < t.size(); ++ci) {
    std::size_t n = utf8_length(t, i);
    char c = t[i];
    if (n == 1 && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
      s.normalized = true;
    }
    if (n != 1 || code_value(c) < 0) {
      s.reason = Reason::charset;
      s.position = static_cast<int>(ci + 1);
      s.bad = t.substr(i, n == 0 ? 1 : n);
      s.bad_utf8 = n == 0;
      return;
    }
    s.code[ci] = c;
    i += n;
  }
  const std::string_view code(s.code.data(), kLength);

  s.authority = tables::lookup_authority(code[0]);
  if (s.authority == nullptr) {
    s.reason = Reason::authority;
    s.position = 1;
    return;
  }
  s.category = tables::lookup_category(*s.authority, code[1]);
  if (s.category == nullptr) {
    s.reason = Reason::category;
    s.position = 2;
    return;
  }
  for (int i = 2; i < 8; ++i) {
    if (code[i] < '0' || code[i] > '9') {
      s.reason = Reason::division;
      s.position = i + 1;
      return;
    }
  }
  s.division = tables::lookup_division(code.substr(2, 6));
  if (s.division == nullptr) {
    s.reason = Reason::division;
    s.position = 3;
    return;
  }
  s.expected = org_check_char(code.substr(8, 8));
  if (s.expected != code[16]) {
    s.reason = Reason::org_check;
    s.position = 17;
    return;
  }
  s.expected = check_char(code.substr(0, 17));
  if (s.expected != code[17]) {
    s.reason = Reason::check;
    s.position = 18;
    return;
  }
}

// The person-facing and developer-facing explanation of a failed scan.
void explain(const Scan& s, Check& out) {
  const std::string pos = std::to_string(s.position);
  const std::string_view code(s.code.data(), kLength);
  switch (s.reason) {
    case Reason::valid:
      return;
    case Reason::empty:
      out.message = "请输入统一社会信用代码";
      out.detail = "the code is empty";
      return;
    case Reason::length:
      out.message = "统一社会信用代码应为18位，当前为" + std::to_string(s.chars) + "位";
      out.detail = "expected 18 characters, got " + std::to_string(s.chars);
      return;
    case Reason::charset: {
      if (s.bad_utf8) {
        out.message = "第" + pos + "位不是有效的字符（编码错误）";
        out.detail = "character " + pos + " is not valid UTF-8";
        return;
      }
      const char32_t cp = utf8_decode(s.bad, 0, s.bad.size());
      const std::string shown(s.bad);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        out.message = "第" + pos + "位“" + shown + "”是全角字符，请使用半角数字或字母";
        out.detail = "character " + pos + " is full-width " + hex_cp(cp);
      } else if (cp < 0x20 || cp == 0x7F) {
        out.message = "第" + pos + "位是不可见的控制字符";
        out.detail = "character " + pos + " is control character " + hex_cp(cp);
      } else if (cp < 0x80) {
        out.message = "第" + pos + "位字符“" + shown +
                      "”不能用于统一社会信用代码（只用数字和除I、O、S、V、Z以外的大写字母）";
        out.detail = "character " + pos + " '" + shown + "' is outside 0-9A-HJ-NPQRTUWXY";
      } else {
        out.message = "第" + pos + "位字符“" + shown + "”不是数字或字母";
        out.detail = "character " + pos + " is " + hex_cp(cp) + ", not an ASCII digit or letter";
      }
      return;
    }
    case Reason::authority:
      out.message = std::string("第1位登记管理部门代码“") + code[0] + "”不存在";
      out.detail = std::string("registration-authority code '") + code[0] + "' is not in GB 32100";
      return;
    case Reason::category:
      out.message = std::string("第2位机构类别代码“") + code[1] + "”不适用于登记管理部门“" +
                    s.authority->name + "”";
      out.detail =
          std::string("category '") + code[1] + "' is not used by authority '" + code[0] + "'";
      return;
    case Reason::division:
      if (s.position > 3 || (code[2] < '0' || code[2] > '9')) {
        out.message = "第" + pos + "位应为数字（第3至8位是行政区划代码）";
        out.detail = "character " + pos + " of the division code is not a digit";
      } else {
        out.message = "第3至8位行政区划代码“" + std::string(code.substr(2, 6)) + "”不存在";
        out.detail = "division " + std::string(code.substr(2, 6)) + " is not in GB/T 2260";
      }
      return;
    case Reason::org_check:
      out.message = std::string("第17位组织机构代码校验码错误，应为“") + s.expected + "”";
      out.detail = std::string("GB 11714 check character is '") + code[16] + "', expected '" +
                   s.expected + "'";
      return;
    case Reason::check:
      out.message = std::string("第18位校验码错误，应为“") + s.expected + "”";
      out.detail =
          std::string("check character is '") + code[17] + "', expected '" + s.expected + "'";
      return;
  }
}

}  // namespace

std::string_view reason_name(Reason r) noexcept {
  switch (r) {
    case Reason::valid:
      return "VALID";
    case Reason::empty:
      return "EMPTY";
    case Reason::length:
      return "LENGTH";
    case Reason::charset:
      return "CHARSET";
    case Reason::authority:
      return "AUTHORITY";
    case Reason::category:
      return "CATEGORY";
    case Reason::division:
      return "DIVISION";
    case Reason::org_check:
      return "ORG_CHECK";
    case Reason::check:
      return "CHECK";
  }
  return "UNKNOWN";
}

std::string_view reason_message(Reason r) noexcept {
  switch (r) {
    case Reason::valid:
      return "统一社会信用代码有效";
    case Reason::empty:
      return "统一社会信用代码为空";
    case Reason::length:
      return "统一社会信用代码应为18位";
    case Reason::charset:
      return "统一社会信用代码含有不允许的字符";
    case Reason::authority:
      return "登记管理部门代码不存在";
    case Reason::category:
      return "机构类别代码不适用于该登记管理部门";
    case Reason::division:
      return "行政区划代码不存在";
    case Reason::org_check:
      return "组织机构代码校验码错误";
    case Reason::check:
      return "统一社会信用代码校验码错误";
  }
  return "未知原因";
}

std::string_view warning_name(Warning w) noexcept {
  switch (w) {
    case Warning::normalized:
      return "NORMALIZED";
    case Warning::abolished_division:
      return "ABOLISHED_DIVISION";
  }
  return "UNKNOWN";
}

char org_check_char(std::string_view body8) noexcept {
  if (body8.size() != kOrgWeights.size()) return 0;
  int sum = 0;
  for (std::size_t i = 0; i < body8.size(); ++i) {
    const int v = org_value(body8[i]);
    if (v < 0) return 0;
    sum += v * kOrgWeights[i];
  }
  const int c = 11 - sum % 11;
  if (c == 10) return 'X';
  if (c == 11) return '0';
  return static_cast<char>('0' + c);
}

char check_char(std::string_view first17) noexcept {
  if (first17.size() != kCheckWeights.size()) return 0;
  int sum = 0;
  for (std::size_t i = 0; i < first17.size(); ++i) {
    const int v = code_value(first17[i]);
    if (v < 0) return 0;
    sum += v * kCheckWeights[i];
  }
  const int c = (31 - sum % 31) % 31;
  return kAlphabet[static_cast<std::size_t>(c)];
}

Reason validate(std::string_view input) {
  Scan s;
  scan(input, s);
  return s.reason;
}

bool is_valid(std::string_view input) { return validate(input) == Reason::valid; }

Check check(std::string_view input) {
  Scan s;
  scan(input, s);
  Check out;
  out.reason = s.reason;
  out.position = s.position;
  if (s.chars != kLength) {
    explain(s, out);
    return out;
  }

  const std::string_view code(s.code.data(), kLength);
  if (s.reason != Reason::charset) out.code = std::string(code);
  explain(s, out);
  if (s.normalized) out.warnings.push_back(Warning::normalized);
  if (s.reason == Reason::charset) return out;

  // Read the parts as far as the code allows: a clerk looking at an invalid
  // code still learns which authority and division it claims.
  Parts p;
  p.authority = code[0];
  if (s.authority) p.authority_name = s.authority->name;
  p.category = code[1];
  if (s.category) p.category_name = s.category->name;
  p.division = std::string(code.substr(2, 6));
  // The scan stops at the first fault; the division is still worth naming.
  const Division* division = s.division ? s.division : tables::lookup_division(p.division);
  if (division) {
    p.division_info = *division;
    if (division->abolished()) out.warnings.push_back(Warning::abolished_division);
  }
  p.org_code = std::string(code.substr(8, 9));
  p.check = code[17];
  out.parts = std::move(p);
  return out;
}

std::uint64_t serial_capacity(std::string_view segment) {
  std::uint64_t cap = 1;
  for (std::size_t i = segment.size(); i < 8; ++i) cap *= 10;
  return segment.size() > 8 ? 0 : cap;
}

std::string allocate(char authority, char category, std::string_view division,
                     std::string_view segment, std::uint64_t serial) {
  const Authority* a = tables::lookup_authority(authority);
  if (a == nullptr) {
    throw Error(Errc::invalid_argument,
                std::string("unknown registration-authority code '") + authority + "'",
                "登记管理部门代码不存在");
  }
  if (tables::lookup_category(*a, category) == nullptr) {
    throw Error(
        Errc::invalid_argument,
        std::string("category '") + category + "' is not used by authority '" + authority + "'",
        "机构类别代码不适用于该登记管理部门");
  }
  const bool six_digits =
      division.size() == 6 && division.find_first_not_of("0123456789") == std::string_view::npos;
  const Division* d = six_digits ? tables::lookup_division(division) : nullptr;
  if (d == nullptr) {
    throw Error(Errc::invalid_argument,
                six_digits ? "division " + std::string(division) + " is not in GB/T 2260"
                           : std::string("division must be 6 digits"),
                "行政区划代码不存在");
  }
  if (d->abolished()) {
    throw Error(Errc::invalid_argument,
                "division " + d->code + " was abolished in " + std::to_string(*d->to_year) +
                    "; new codes use a current division",
                "行政区划代码" + d->code + "（" + d->name + "）已撤销，不能用于新赋码");
  }
  if (segment.size() > 7) {
    throw Error(Errc::invalid_argument, "segment is longer than 7 characters", "代码段不能超过7位");
  }
  for (char c : segment) {
    if (code_value(c) < 0) {
      throw Error(Errc::invalid_argument, "segment must use the code alphabet 0-9A-HJ-NPQRTUWXY",
                  "代码段只能使用数字和除I、O、S、V、Z以外的大写字母");
    }
  }
  const std::uint64_t capacity = serial_capacity(segment);
  if (serial >= capacity) {
    throw Error(Errc::exhausted,
                "serial " + std::to_string(serial) + " does not fit the " +
                    std::to_string(8 - segment.size()) + " positions after the segment",
                "该代码段的可用号码已用完");
  }
  std::string digits = std::to_string(serial);
  std::string code;
  code.reserve(kLength);
  code += authority;
  code += category;
  code += d->code;
  code += segment;
  code.append(8 - segment.size() - digits.size(), '0');
  code += digits;
  code += org_check_char(std::string_view(code).substr(8, 8));
  code += check_char(code);
  return code;
}

}  // namespace fuma::uscc
