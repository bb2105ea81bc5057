// SPDX-License-Identifier: Apache-2.0
// The official working calendar: the State Council's arrangements as
// shipped, deadlines counted on them, years they do not cover, and a
// locality's own file with every defect its loader refuses.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/calendar.hpp"
#include "fuma/error.hpp"

namespace fuma::engine {
namespace {

Date day(const char* text) {
  const std::optional<Date> d = parse_date(text);
  REQUIRE(d);
  return *d;
}

std::string due(const Calendar& c, const char* from, int days) {
  return format_date(add_working_days(c, day(from), days).date);
}

const Calendar& shipped() { return Calendar::standard(); }

// A locality's file of one year entry, written as a locality would.
std::string file_of(const std::string& year_entry) {
  return R"({"version": 1, "years": [)" + year_entry + "]}";
}

// A year entry for `year` with the given holidays and working days (JSON
// array members).
std::string year_entry(int year, const std::string& holidays, const std::string& working = "",
                       const std::string& extra = "") {
  return R"({"year": )" + std::to_string(year) + extra +
         R"(, "source": {"title": "某市人民政府办公厅关于节假日安排的通知", "date": "2026-12-01"},
             "holidays": [)" +
         holidays + "]" + (working.empty() ? "" : R"(, "working_days": [)" + working + "]") + "}";
}

// The refusal of a locality's file over the shipped calendar.
Error refusal(const std::string& text) {
  try {
    Calendar::parse_over(shipped(), text, "our-holidays.json");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.detail().find("our-holidays.json") != std::string::npos);
    CHECK(e.message().find("节假日安排文件有误") != std::string::npos);
    return e;
  }
  FAIL("the file was accepted");
  return Error(Errc::internal, "unreachable");
}

bool says(const Error& e, const std::string& words) {
  return e.detail().find(words) != std::string::npos;
}

}  // namespace

TEST_CASE("the shipped calendar covers 2024 to 2026, each year with its State Council notice") {
  CHECK(shipped().years() == std::vector<int>{2024, 2025, 2026});
  CHECK(shipped().year(2024)->source.find("国办发明电〔2023〕7号") != std::string::npos);
  CHECK(shipped().year(2025)->source.find("国办发明电〔2024〕12号") != std::string::npos);
  CHECK(shipped().year(2026)->source.find("2025-11-04") != std::string::npos);
  // The days the 2025 notice names for 春节: eight days off, two make-up days.
  CHECK(shipped().working(day("2025-01-27")));
  for (const char* off : {"2025-01-28", "2025-01-31", "2025-02-03", "2025-02-04"}) {
    CAPTURE(off);
    CHECK_FALSE(shipped().working(day(off)));
  }
  CHECK(shipped().working(day("2025-01-26")));  // a Sunday worked
  CHECK(shipped().working(day("2025-02-08")));  // a Saturday worked
  CHECK_FALSE(shipped().working(day("2025-02-09")));
}

TEST_CASE("a deadline across 春节 2025 skips the eight days off and counts the make-up days") {
  // Friday 24 January + 5: Sunday 26th (worked) and Monday 27th, then the
  // holiday to Tuesday 4 February, then Wednesday to Friday.
  CHECK(due(shipped(), "2025-01-24", 5) == "2025-02-07");
  // Friday 7 February + 1 is the make-up Saturday.
  CHECK(due(shipped(), "2025-02-07", 1) == "2025-02-08");
  CHECK(add_working_days(shipped(), day("2025-01-24"), 5).uncovered.empty());
}

TEST_CASE("a deadline across 国庆 2025 skips 1 to 8 October and counts the make-up days") {
  // Friday 26 September + 3: Sunday 28th (worked), Monday 29th, Tuesday 30th.
  CHECK(due(shipped(), "2025-09-26", 3) == "2025-09-30");
  // Tuesday 30 September + 3: 1-8 October off, Thursday 9th, Friday 10th,
  // and Saturday 11th, worked.
  CHECK(due(shipped(), "2025-09-30", 3) == "2025-10-11");
}

TEST_CASE("zero working days is the day itself") {
  CHECK(due(shipped(), "2025-10-01", 0) == "2025-10-01");
}

TEST_CASE("a year not covered counts Monday to Friday and names the year") {
  // Thursday 30 September 2027 + 3: Friday, Monday, Tuesday.
  const Due d = add_working_days(shipped(), day("2027-09-30"), 3);
  CHECK(format_date(d.date) == "2027-10-05");
  CHECK(d.uncovered == std::vector<int>{2027});
  CHECK(uncovered_warning(d.uncovered) == "2027年的节假日安排未载入，办理时限按周一至周五计算");
  // From a covered year into one that is not: only the uncovered one is named.
  const Due across = add_working_days(shipped(), day("2026-12-30"), 3);
  CHECK(format_date(across.date) == "2027-01-04");
  CHECK(across.uncovered == std::vector<int>{2027});
}

TEST_CASE("a locality's file adds a year and keeps the shipped ones") {
  const Calendar c = Calendar::parse_over(
      shipped(),
      file_of(year_entry(2027, R"({"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"})",
                         R"({"date": "2027-01-09", "for": "元旦"})")),
      "our-holidays.json");
  CHECK(c.years() == std::vector<int>{2024, 2025, 2026, 2027});
  // Thursday 31 December 2026 + 2: Friday 1 January is off now.
  const Due d = add_working_days(c, day("2026-12-31"), 2);
  CHECK(format_date(d.date) == "2027-01-05");
  CHECK(d.uncovered.empty());
  CHECK(c.working(day("2027-01-09")));
  CHECK(due(c, "2025-01-24", 5) == "2025-02-07");  // 2025 as shipped
}

TEST_CASE("a locality's file extends a shipped year with its own days off") {
  const Calendar c = Calendar::parse_over(
      shipped(),
      file_of(year_entry(2025, R"({"name": "地方节日", "from": "2025-03-31", "to": "2025-04-01"})",
                         "", R"(, "extends": true)")),
      "our-holidays.json");
  CHECK_FALSE(c.working(day("2025-03-31")));
  CHECK_FALSE(c.working(day("2025-04-01")));
  CHECK_FALSE(c.working(day("2025-01-28")));  // the shipped 春节 stays
  CHECK(c.working(day("2025-01-26")));
  CHECK(c.year(2025)->source.find("国办发明电〔2024〕12号") != std::string::npos);
  CHECK(c.year(2025)->source.find("某市人民政府办公厅") != std::string::npos);
}

TEST_CASE("a locality's year without extends replaces the shipped year") {
  const Calendar c = Calendar::parse_over(
      shipped(),
      file_of(year_entry(2025, R"({"name": "元旦", "from": "2025-01-01", "to": "2025-01-01"})")),
      "our-holidays.json");
  CHECK(c.working(day("2025-01-28")));        // no 春节 in this file's 2025
  CHECK_FALSE(c.working(day("2025-01-26")));  // nor its make-up Sunday
  CHECK_FALSE(c.working(day("2025-01-01")));
}

TEST_CASE("the calendar file's defects are each refused, naming the place") {
  const std::string off = R"({"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"})";
  SUBCASE("a date that does not exist") {
    const Error e = refusal(
        file_of(year_entry(2027, R"({"name": "春节", "from": "2027-02-30", "to": "2027-03-01"})")));
    CHECK(says(e, "years[0].holidays[0].from"));
    CHECK(says(e, "2027-02-30"));
  }
  SUBCASE("a date written another way") {
    const Error e = refusal(
        file_of(year_entry(2027, R"({"name": "春节", "from": "2027/02/06", "to": "2027-02-08"})")));
    CHECK(says(e, "YYYY-MM-DD"));
  }
  SUBCASE("a date outside its year") {
    const Error e = refusal(
        file_of(year_entry(2027, R"({"name": "元旦", "from": "2026-12-31", "to": "2027-01-01"})")));
    CHECK(says(e, "is not in 2027"));
  }
  SUBCASE("a range that ends before it starts") {
    const Error e = refusal(
        file_of(year_entry(2027, R"({"name": "春节", "from": "2027-02-10", "to": "2027-02-06"})")));
    CHECK(says(e, "years[0].holidays[0].to"));
  }
  SUBCASE("overlapping holidays") {
    const Error overlap = refusal(file_of(year_entry(
        2027, off + R"(, {"name": "另一节日", "from": "2027-01-01", "to": "2027-01-02"})")));
    CHECK(says(overlap, "years[0].holidays[1]"));
    CHECK(says(overlap, "2027-01-01 is already a day off of 元旦"));
  }
  SUBCASE("a day off that a shipped year already has, in a file that extends it") {
    const Error e = refusal(file_of(
        year_entry(2025, R"({"name": "地方节日", "from": "2025-02-04", "to": "2025-02-05"})", "",
                   R"(, "extends": true)")));
    CHECK(says(e, "2025-02-04 is already a day off of 春节"));
  }
  SUBCASE("a working day listed twice") {
    const Error e = refusal(file_of(year_entry(
        2027, off,
        R"({"date": "2027-01-09", "for": "元旦"}, {"date": "2027-01-09", "for": "元旦"})")));
    CHECK(says(e, "years[0].working_days[1].date"));
    CHECK(says(e, "already a working day"));
  }
  SUBCASE("a day both off and worked") {
    const Error e = refusal(
        file_of(year_entry(2027, R"({"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"})",
                           R"({"date": "2027-01-02", "for": "元旦"})")));
    CHECK(says(e, "2027-01-02 is also a day off of 元旦"));
  }
  SUBCASE("a make-up working day on a weekday") {
    const Error e =
        refusal(file_of(year_entry(2027, off, R"({"date": "2027-01-06", "for": "元旦"})")));
    CHECK(says(e, "a Wednesday"));
  }
  SUBCASE("a year listed twice") {
    const std::string y = year_entry(2027, off);
    const Error e = refusal(R"({"version": 1, "years": [)" + y + ", " + y + "]}");
    CHECK(says(e, "years[1].year"));
  }
  SUBCASE("extending a year nobody covers") {
    const Error e = refusal(file_of(year_entry(2027, off, "", R"(, "extends": true)")));
    CHECK(says(e, "years[0].extends"));
  }
  SUBCASE("a misspelt field") {
    const Error e = refusal(file_of(year_entry(2027, off, "", R"(, "extend": true)")));
    CHECK(says(e, "extend"));
  }
  SUBCASE("another version of the file") {
    const Error e = refusal(R"({"version": 2, "years": []})");
    CHECK(says(e, "version"));
  }
  SUBCASE("no source") {
    const Error e =
        refusal(R"({"version": 1, "years": [{"year": 2027, "holidays": [)" + off + "]}]}");
    CHECK(says(e, "source"));
  }
}

}  // namespace fuma::engine
