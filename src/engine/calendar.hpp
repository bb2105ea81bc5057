// SPDX-License-Identifier: Apache-2.0
// The official working calendar deadlines (办理时限) are counted on: the
// State Council's yearly arrangement of public holidays, which moves days off
// and turns some weekend days into working days (调休). The arrangement is
// published a year at a time (国务院办公厅关于部分节假日安排的通知), so it is data:
// the library ships the years published so far (data/holidays.json), and a
// locality adds a year, or its own days, with a file of the same form
// (Options::holidays_path). Outside the years a calendar covers, Monday to
// Friday are working days and every answer that counted on such a year says
// so. Immutable once built: an Engine shares one between threads.
#ifndef FUMA_SRC_ENGINE_CALENDAR_HPP
#define FUMA_SRC_ENGINE_CALENDAR_HPP

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"

namespace fuma::engine {

class Calendar {
 public:
  // What one year's arrangement says, and where it comes from.
  struct Year {
    int year = 0;
    std::string
        source;  // "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）"
    // Day numbers (days since 1970-01-01) and the holiday each belongs to.
    std::map<std::int64_t, std::string> holidays;      // days off, weekdays or not
    std::map<std::int64_t, std::string> working_days;  // weekend days worked (调休上班)
  };

  // The arrangements published by the State Council, as shipped.
  static const Calendar& standard();

  // A calendar file on its own. Throws Error(invalid_argument) naming
  // `source` and the place for anything docs/localities.md does not allow:
  // a bad date, a date outside its year, a range that ends before it starts,
  // a day listed twice or in two holidays, a day both off and worked, a
  // working day that is not a Saturday or Sunday, a year listed twice.
  static Calendar parse(std::string_view text, std::string_view source);

  // A locality's file over `base`: a year it lists replaces the base's
  // year, or, when the year says "extends": true, adds its days to the
  // base's (which must then cover it); years it does not list stay as they
  // are. The result is checked as a whole, as parse() checks one file.
  static Calendar parse_over(const Calendar& base, std::string_view text, std::string_view source);

  bool covers(int year) const { return years_.count(year) != 0; }
  // The covered years, ascending.
  std::vector<int> years() const;
  const Year* year(int year) const;

  // Whether work is done on `day`: a listed working day, not a listed
  // holiday, and otherwise Monday to Friday (also in years not covered).
  bool working(const Date& day) const;

 private:
  std::map<int, Year> years_;

  friend struct CalendarReader;
};

// The date `days` working days after `from` on `calendar` (the day itself
// does not count; 0 gives `from`), and the years it counted through that the
// calendar does not cover, where it took Monday to Friday.
struct Due {
  Date date;
  std::vector<int> uncovered;  // ascending; empty when every year was covered
};
Due add_working_days(const Calendar& calendar, const Date& from, int days);

// For people: "2027年的节假日安排未载入，按周一至周五计算" for `years`.
std::string uncovered_warning(const std::vector<int>& years);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_CALENDAR_HPP
