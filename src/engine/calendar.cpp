// SPDX-License-Identifier: Apache-2.0
#include "calendar.hpp"

#include <set>
#include <utility>

#include "datafile/datafile.hpp"
#include "fuma_embedded.hpp"

namespace fuma::engine {

namespace {

constexpr const char* kWeekdays[] = {"a Monday", "a Tuesday",  "a Wednesday", "a Thursday",
                                     "a Friday", "a Saturday", "a Sunday"};

}  // namespace

// Reads one calendar file into a calendar that starts as a copy of the base,
// checking every day as it goes in, so that a defect is reported at the
// place in the file that causes it.
struct CalendarReader {
  const datafile::Reporter& report;
  Calendar out;

  Date date(const datafile::Object& o, std::string_view field) const {
    const std::string text = o.string(field);
    const std::optional<Date> d = parse_date(text);
    if (!d) report.fail(o.at(field), "'" + text + "' is not a date written YYYY-MM-DD");
    return *d;
  }

  Date date_in(const datafile::Object& o, std::string_view field, int year) const {
    const Date d = date(o, field);
    if (d.year != year) {
      report.fail(o.at(field), format_date(d) + " is not in " + std::to_string(year));
    }
    return d;
  }

  void holiday(Calendar::Year& y, const datafile::Object& o) const {
    const std::string name = o.text("name");
    const Date from = date_in(o, "from", y.year);
    const Date to = date_in(o, "to", y.year);
    if (to < from) {
      report.fail(o.at("to"), format_date(to) + " is before " + format_date(from));
    }
    for (std::int64_t day = day_number(from); day <= day_number(to); ++day) {
      const std::string text = format_date(date_of_day(day));
      if (auto it = y.holidays.find(day); it != y.holidays.end()) {
        report.fail(o.path(), text + " is already a day off of " + it->second);
      }
      if (auto it = y.working_days.find(day); it != y.working_days.end()) {
        report.fail(o.path(), text + " is also a working day for " + it->second);
      }
      y.holidays.emplace(day, name);
    }
  }

  void working_day(Calendar::Year& y, const datafile::Object& o) const {
    const std::string name = o.text("for");
    const Date d = date_in(o, "date", y.year);
    const std::int64_t day = day_number(d);
    const std::string text = format_date(d);
    if (auto it = y.working_days.find(day); it != y.working_days.end()) {
      report.fail(o.at("date"), text + " is already a working day for " + it->second);
    }
    if (auto it = y.holidays.find(day); it != y.holidays.end()) {
      report.fail(o.at("date"), text + " is also a day off of " + it->second);
    }
    const int wd = weekday(d);
    if (wd < 5) {
      report.fail(o.at("date"), text + " is " + kWeekdays[wd] +
                                    ", a working day anyway: only a Saturday or Sunday can "
                                    "become one");
    }
    y.working_days.emplace(day, name);
  }

  static std::string source_text(const datafile::Object& s, const std::string& date) {
    std::string text = s.text("title") + "（";
    if (const std::optional<std::string> number = s.optional_text("number")) {
      text += *number + "，";
    }
    return text + date + "）";
  }

  void read(std::string_view text) {
    const datafile::json::value doc = datafile::parse(text, report);
    const datafile::Object top(doc, "", {"version", "years"}, report);
    top.require_version(1);
    const datafile::json::array& list = top.array("years");
    std::set<int> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const datafile::Object o(list[i], datafile::element(top.at("years"), i),
                               {"year", "extends", "source", "holidays", "working_days"}, report);
      const int year = static_cast<int>(o.count("year", 9999));
      if (!seen.insert(year).second) {
        report.fail(o.at("year"), std::to_string(year) + " is listed twice");
      }
      const bool extends = o.flag("extends", false);
      Calendar::Year y;
      if (extends) {
        const auto base = out.years_.find(year);
        if (base == out.years_.end()) {
          report.fail(o.at("extends"), "extends " + std::to_string(year) +
                                           ", which the calendar it extends does not cover");
        }
        y = base->second;
      }
      y.year = year;
      const datafile::Object s = o.record("source", {"title", "number", "date"});
      const std::string source = source_text(s, format_date(date(s, "date")));
      y.source = extends ? y.source + "；" + source : source;
      const datafile::json::array& holidays = o.array("holidays");
      for (std::size_t k = 0; k < holidays.size(); ++k) {
        holiday(y, datafile::Object(holidays[k], datafile::element(o.at("holidays"), k),
                                    {"name", "from", "to"}, report));
      }
      if (const datafile::json::value* w = o.find("working_days")) {
        const datafile::json::array& days = datafile::as_array(*w, o.at("working_days"), report);
        for (std::size_t k = 0; k < days.size(); ++k) {
          working_day(y, datafile::Object(days[k], datafile::element(o.at("working_days"), k),
                                          {"date", "for"}, report));
        }
      }
      out.years_[year] = std::move(y);
    }
  }
};

Calendar Calendar::parse(std::string_view text, std::string_view source) {
  return parse_over(Calendar{}, text, source);
}

Calendar Calendar::parse_over(const Calendar& base, std::string_view text,
                              std::string_view source) {
  const datafile::Reporter report(source, "节假日安排文件有误：");
  CalendarReader reader{report, base};
  reader.read(text);
  return std::move(reader.out);
}

const Calendar& Calendar::standard() {
  static const Calendar c = parse(embedded::holidays(), "holidays.json");
  return c;
}

std::vector<int> Calendar::years() const {
  std::vector<int> out;
  for (const auto& [year, y] : years_) out.push_back(year);
  return out;
}

const Calendar::Year* Calendar::year(int year) const {
  const auto it = years_.find(year);
  return it == years_.end() ? nullptr : &it->second;
}

bool Calendar::working(const Date& day) const {
  const std::int64_t n = day_number(day);
  if (const Year* y = year(day.year)) {
    if (y->working_days.count(n) != 0) return true;
    if (y->holidays.count(n) != 0) return false;
  }
  return weekday(day) < 5;
}

Due add_working_days(const Calendar& calendar, const Date& from, int days) {
  std::int64_t n = day_number(from);
  std::set<int> uncovered;
  while (days > 0) {
    ++n;
    const Date d = date_of_day(n);
    if (!calendar.covers(d.year)) uncovered.insert(d.year);
    if (calendar.working(d)) --days;
  }
  return Due{date_of_day(n), std::vector<int>(uncovered.begin(), uncovered.end())};
}

std::string uncovered_warning(const std::vector<int>& years) {
  std::string list;
  for (const int y : years) {
    if (!list.empty()) list += "、";
    list += std::to_string(y) + "年";
  }
  return list + "的节假日安排未载入，办理时限按周一至周五计算";
}

}  // namespace fuma::engine
