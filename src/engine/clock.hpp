// SPDX-License-Identifier: Apache-2.0
// Times and dates as the engine records them, and the working-day arithmetic
// behind deadlines. The engine reads its clock once per command (Context::now,
// from Options::clock); everything here is pure, so tests pass fixed times.
#ifndef FUMA_SRC_ENGINE_CLOCK_HPP
#define FUMA_SRC_ENGINE_CLOCK_HPP

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fuma::engine {

using TimePoint = std::chrono::system_clock::time_point;

// "2026-11-27T06:46:33Z": what the store keeps (UTC, whole seconds).
std::string iso_time(TimePoint t);
std::optional<TimePoint> parse_iso_time(std::string_view text);

// A calendar date (proleptic Gregorian).
struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  friend bool operator==(const Date& a, const Date& b) {
    return a.year == b.year && a.month == b.month && a.day == b.day;
  }
  friend bool operator<(const Date& a, const Date& b) {
    if (a.year != b.year) return a.year < b.year;
    if (a.month != b.month) return a.month < b.month;
    return a.day < b.day;
  }
  friend bool operator>(const Date& a, const Date& b) { return b < a; }
};

// "YYYY-MM-DD" with a real month and day, or nothing.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(const Date& d);

// The date in China (UTC+8 all year, no daylight saving): deadlines and
// certificate dates are counted in the authority's calendar, not in UTC.
Date china_date(TimePoint t);

// Days since 1970-01-01 (negative before), and back: date arithmetic
// without the C library's time zone state.
std::int64_t day_number(const Date& d);
Date date_of_day(std::int64_t day);

// 0 = Monday ... 6 = Sunday. Working days are counted on the official
// calendar (calendar.hpp), of which Monday to Friday is only the default.
int weekday(const Date& d);

}  // namespace fuma::engine

#endif  // FUMA_SRC_ENGINE_CLOCK_HPP
