// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "fuma/uscc.hpp"

using fuma::uscc::check;
using fuma::uscc::Reason;
using fuma::uscc::Warning;

namespace {

// GB 32100-2015's own example: 9 工商, 1 企业, 350100 福州市.
const std::string kStandardExample = "91350100M000100Y43";
// 1 机构编制, 1 机关, 440300 深圳市, organisation code 00000000 + '0'; the
// final check worked by hand: 1*1+1*3+4*9+4*27+3*26 = 226, 226 mod 31 = 9,
// 31 - 9 = 22 -> 'N'.
const std::string kOrganExample = "11440300000000000N";

bool has_warning(const fuma::uscc::Check& c, Warning w) {
  return std::find(c.warnings.begin(), c.warnings.end(), w) != c.warnings.end();
}

// kOrganExample with one character replaced (1-based position).
std::string with_char(int pos, const std::string& replacement) {
  std::string code = kOrganExample;
  code.replace(static_cast<std::size_t>(pos - 1), 1, replacement);
  return code;
}

}  // namespace

TEST_CASE("the standard's example code is valid and its parts are named") {
  auto c = check(kStandardExample);
  REQUIRE(c.ok());
  REQUIRE(c.parts);
  CHECK(c.parts->authority_name == "工商");
  CHECK(c.parts->category_name == "企业");
  REQUIRE(c.parts->division_info);
  CHECK(c.parts->division_info->name == "福州市");
  CHECK(c.parts->division_info->province == "福建省");
  CHECK(c.parts->org_code == "M000100Y4");
  CHECK(c.parts->check == '3');
  CHECK(c.message.empty());
  CHECK(c.warnings.empty());
}

TEST_CASE("a hand-computed organ code is valid with authority 机构编制 and category 机关") {
  auto c = check(kOrganExample);
  REQUIRE(c.ok());
  CHECK(c.parts->authority_name == "机构编制");
  CHECK(c.parts->category_name == "机关");
  CHECK(c.parts->division_info->name == "深圳市");
}

TEST_CASE("empty input and whitespace-only input are EMPTY") {
  CHECK(check("").reason == Reason::empty);
  CHECK(check(" \t\r\n ").reason == Reason::empty);
  CHECK(check("").message == "请输入统一社会信用代码");
}

TEST_CASE("a code of the wrong length says how many characters it has") {
  auto c = check(kOrganExample.substr(0, 17));
  CHECK(c.reason == Reason::length);
  CHECK(c.message.find("17位") != std::string::npos);
  CHECK(check(kOrganExample + "0").reason == Reason::length);
}

TEST_CASE("ten megabytes of input is a LENGTH verdict, not a crash or an echo") {
  const std::string huge(10u << 20, 'A');
  auto c = check(huge);
  CHECK(c.reason == Reason::length);
  CHECK(c.message.size() < 200);
  CHECK(c.code.empty());
  CHECK(fuma::uscc::validate(huge) == Reason::length);
}

TEST_CASE("length counts characters, so a full-width letter is a CHARSET problem at its place") {
  auto c = check(with_char(9, "Ａ"));  // U+FF21, three bytes
  CHECK(c.reason == Reason::charset);
  CHECK(c.position == 9);
  CHECK(c.message.find("全角") != std::string::npos);
  CHECK(c.detail.find("U+FF21") != std::string::npos);
}

TEST_CASE("letters the code never uses are CHARSET with their position") {
  for (const char* letter : {"I", "O", "S", "V", "Z"}) {
    auto c = check(with_char(10, letter));
    CHECK(c.reason == Reason::charset);
    CHECK(c.position == 10);
  }
}

TEST_CASE("NUL bytes, control characters and inner spaces are CHARSET") {
  CHECK(check(with_char(4, std::string(1, '\0'))).reason == Reason::charset);
  CHECK(check(with_char(4, std::string(1, '\0'))).message.find("控制字符") != std::string::npos);
  CHECK(check(with_char(5, " ")).reason == Reason::charset);
  CHECK(check(with_char(5, "\x7f")).reason == Reason::charset);
}

TEST_CASE("invalid UTF-8 and other Unicode are CHARSET") {
  auto bad = check(with_char(3, "\xff"));
  CHECK(bad.reason == Reason::charset);
  CHECK(bad.position == 3);
  CHECK(bad.message.find("编码错误") != std::string::npos);
  auto han = check(with_char(3, "中"));
  CHECK(han.reason == Reason::charset);
  CHECK(han.detail.find("U+4E2D") != std::string::npos);
  // A truncated multi-byte sequence at the end counts as one bad unit.
  CHECK(check(kOrganExample.substr(0, 17) + "\xe4\xb8").reason == Reason::length);
}

TEST_CASE("surrounding ASCII whitespace is trimmed and lowercase is uppercased, with a warning") {
  auto c = check("  91350100m000100y43\r\n");
  REQUIRE(c.ok());
  CHECK(c.code == kStandardExample);
  CHECK(has_warning(c, Warning::normalized));
  CHECK_FALSE(has_warning(check(kStandardExample), Warning::normalized));
}

TEST_CASE("a full-width space around the code is not trimmed") {
  CHECK(check("\xe3\x80\x80" + kStandardExample).reason == Reason::length);
}

TEST_CASE("an unknown registration-authority code is AUTHORITY at position 1") {
  auto c = check(with_char(1, "B"));
  CHECK(c.reason == Reason::authority);
  CHECK(c.position == 1);
  REQUIRE(c.parts);  // the rest of the code is still read out
  CHECK(c.parts->division_info->name == "深圳市");
}

TEST_CASE("a category the authority does not use is CATEGORY") {
  auto c = check(with_char(2, "4"));
  CHECK(c.reason == Reason::category);
  CHECK(c.position == 2);
  CHECK(c.message.find("机构编制") != std::string::npos);
}

TEST_CASE("a letter inside the division code is DIVISION at its position") {
  auto c = check(with_char(7, "A"));
  CHECK(c.reason == Reason::division);
  CHECK(c.position == 7);
}

TEST_CASE("a division code not in GB/T 2260 is DIVISION") {
  std::string code = "11999999" + kOrganExample.substr(8);
  auto c = check(code);
  CHECK(c.reason == Reason::division);
  CHECK(c.message.find("999999") != std::string::npos);
}

TEST_CASE("an abolished division stays valid and carries a warning") {
  // 110103 崇文区 was abolished in 2010; codes issued before stay valid.
  std::string first16 =
      "11110103"
      "00000001";
  std::string code = first16 + fuma::uscc::org_check_char(first16.substr(8));
  code += fuma::uscc::check_char(code);
  auto c = check(code);
  REQUIRE(c.ok());
  CHECK(has_warning(c, Warning::abolished_division));
  CHECK(c.parts->division_info->abolished());
  CHECK(c.parts->division_info->to_year == 2010);
}

TEST_CASE("the national and unassigned division codes 100000 and 990000 are real") {
  for (const char* division : {"100000", "990000"}) {
    std::string first16 = std::string("11") + division + "00000001";
    std::string code = first16 + fuma::uscc::org_check_char(first16.substr(8));
    code += fuma::uscc::check_char(code);
    CHECK(check(code).ok());
  }
}

TEST_CASE("a wrong organisation-code check character is ORG_CHECK and names the right one") {
  auto c = check(with_char(17, "1"));
  CHECK(c.reason == Reason::org_check);
  CHECK(c.position == 17);
  CHECK(c.message.find("“0”") != std::string::npos);
}

TEST_CASE("a wrong final check character is CHECK and names the right one") {
  auto c = check(with_char(18, "M"));
  CHECK(c.reason == Reason::check);
  CHECK(c.position == 18);
  CHECK(c.message.find("“N”") != std::string::npos);
}

TEST_CASE("GB 11714 check characters, including X for 10 and 0 for 11") {
  CHECK(fuma::uscc::org_check_char("M000100Y") == '4');
  CHECK(fuma::uscc::org_check_char("00000001") == '9');  // 2 -> 11 - 2
  CHECK(fuma::uscc::org_check_char("00000006") == 'X');  // 12 mod 11 = 1 -> 10
  CHECK(fuma::uscc::org_check_char("00000000") == '0');  // 0 -> 11
  CHECK(fuma::uscc::org_check_char("0000000") == 0);
  CHECK(fuma::uscc::org_check_char("0000000-") == 0);
}

TEST_CASE("a final check remainder of 0 gives the character '0'") {
  // Find a 17-character prefix whose weighted sum is a multiple of 31.
  bool found = false;
  for (int n = 0; n < 31 && !found; ++n) {
    std::string first17 =
        "1144030000000" + std::string(1, "0123456789ABCDEFGHJKLMNPQRTUWXY"[n]) + "000";
    if (fuma::uscc::check_char(first17) == '0') found = true;
  }
  CHECK(found);
}

TEST_CASE("validate and check always agree") {
  for (const std::string& input :
       {kStandardExample, kOrganExample, std::string(), with_char(1, "B"), with_char(2, "4"),
        with_char(7, "A"), with_char(17, "1"), with_char(18, "M"), with_char(9, "Ａ"),
        std::string("abc")}) {
    CHECK(fuma::uscc::validate(input) == check(input).reason);
  }
}

TEST_CASE("reasons have stable names") {
  CHECK(fuma::uscc::reason_name(Reason::org_check) == "ORG_CHECK");
  CHECK(fuma::uscc::reason_name(static_cast<Reason>(99)) == "UNKNOWN");
  CHECK(fuma::uscc::reason_message(Reason::check) == "统一社会信用代码校验码错误");
}
