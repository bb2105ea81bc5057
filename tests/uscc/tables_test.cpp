// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>

#include "fuma/error.hpp"
#include "fuma/uscc.hpp"
#include "tables.hpp"

using fuma::uscc::tables::parse_authorities;
using fuma::uscc::tables::parse_divisions;

namespace {

const std::string kHeader = "code\tprovince\tname\tnames\tfrom_year\tto_year\n";

std::string error_detail(const std::string& tsv) {
  try {
    parse_divisions(tsv, "test.tsv");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == fuma::Errc::invalid_argument);
    return e.detail();
  }
  return "";
}

}  // namespace

TEST_CASE("the shipped division table loads with current and historical codes") {
  CHECK(fuma::uscc::division_count() > 6800);
  auto sz = fuma::uscc::find_division("440300");
  REQUIRE(sz);
  CHECK(sz->name == "深圳市");
  CHECK_FALSE(sz->abolished());
  auto cw = fuma::uscc::find_division("110103");
  REQUIRE(cw);
  CHECK(cw->abolished());
  CHECK(fuma::uscc::find_division("100000"));
  CHECK(fuma::uscc::find_division("990000"));
  CHECK_FALSE(fuma::uscc::find_division("999999"));
}

TEST_CASE("the shipped authority table has 机构编制 with its four categories") {
  const auto& all = fuma::uscc::authorities();
  REQUIRE_FALSE(all.empty());
  CHECK(all.front().code == '1');
  CHECK(all.front().name == "机构编制");
  CHECK(all.front().categories.size() == 4);
}

TEST_CASE("a division row with the wrong number of columns is refused, naming its line") {
  auto detail = error_detail("# comment\n" + kHeader + "110000\t北京市\t北京市\t北京市\t\n");
  CHECK(detail.find("line 3") != std::string::npos);
  CHECK(detail.find("6 tab-separated columns") != std::string::npos);
}

TEST_CASE("a division code that is not six digits is refused") {
  CHECK(error_detail(kHeader + "11000\t北京市\t北京市\t北京市\t\t\n").find("6 digits") !=
        std::string::npos);
}

TEST_CASE("a duplicate division code is refused") {
  const std::string row = "110000\t北京市\t北京市\t北京市\t\t\n";
  CHECK(error_detail(kHeader + row + row).find("twice") != std::string::npos);
}

TEST_CASE("a bad year or reversed years are refused") {
  CHECK(error_detail(kHeader + "110000\t北京市\t北京市\t北京市\t19x9\t\n").find("not a year") !=
        std::string::npos);
  CHECK(error_detail(kHeader + "110000\t北京市\t北京市\t北京市\t2001\t1999\n").find("after") !=
        std::string::npos);
}

TEST_CASE("a wrong header or a missing header is refused") {
  CHECK(error_detail("code\tprov\tname\tnames\tfrom_year\tto_year\n").find("header") !=
        std::string::npos);
  CHECK(error_detail("# only comments\n").find("no header") != std::string::npos);
}

TEST_CASE("a valid division file parses, sorted, with CRLF line ends") {
  auto rows = parse_divisions(kHeader + "440300\t广东省\t深圳市\t深圳市\t\t\r\n" +
                                  "110103\t北京市\t崇文区\t[-2010]崇文区\t\t2010\r\n",
                              "test.tsv");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].code == "110103");
  CHECK(rows[0].to_year == 2010);
  CHECK(rows[1].province == "广东省");
}

TEST_CASE("an authority with two names or a repeated category is refused") {
  const std::string header = "authority\tauthority_name\tcategory\tcategory_name\n";
  CHECK_THROWS_AS(parse_authorities(header + "1\t机构编制\t1\t机关\n1\t编制\t2\t事业单位\n", "t"),
                  fuma::Error);
  CHECK_THROWS_AS(parse_authorities(header + "1\t机构编制\t1\t机关\n1\t机构编制\t1\t机关\n", "t"),
                  fuma::Error);
  CHECK_THROWS_AS(parse_authorities(header + "I\t机构编制\t1\t机关\n", "t"), fuma::Error);
}
