// SPDX-License-Identifier: Apache-2.0
#include "clock.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace fuma::engine {
namespace {

// Howard Hinnant's civil-date algorithms: exact for every Gregorian date,
// without the C library's time zone state (gmtime is not thread-safe).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = static_cast<int>(y - era * 400);
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = static_cast<int>(z - era * 146097);
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  Date out;
  out.day = doy - (153 * mp + 2) / 5 + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = static_cast<int>(yoe + era * 400) + (out.month <= 2);
  return out;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads exactly `width` decimal digits at text[pos].
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

std::int64_t seconds_since_epoch(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Writes v (0 <= v < 10^width) as exactly `width` digits.
char* put_digits(char* out, int v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

// "YYYY-MM-DD" into out (10 bytes) for the years 0 to 9999 and two-digit
// months and days, which is every date a record holds; false for others,
// which go through snprintf and so come out as they always did.
bool put_date(char* out, const Date& d) {
  if (d.year < 0 || d.year > 9999 || d.month < 0 || d.month > 99 || d.day < 0 || d.day > 99) {
    return false;
  }
  out = put_digits(out, d.year, 4);
  *out++ = '-';
  out = put_digits(out, d.month, 2);
  *out++ = '-';
  put_digits(out, d.day, 2);
  return true;
}

}  // namespace

std::string iso_time(TimePoint t) {
  const std::int64_t s = seconds_since_epoch(t);
  const std::int64_t days = floor_div(s, 86400);
  const int rest = static_cast<int>(s - days * 86400);
  const Date d = civil_from_days(days);
  char buf[32];
  // Formatted by hand: a write formats the time several times, and
  // snprintf costs twenty times as much.
  if (put_date(buf, d)) {
    char* p = buf + 10;
    *p++ = 'T';
    p = put_digits(p, rest / 3600, 2);
    *p++ = ':';
    p = put_digits(p, rest / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, rest % 60, 2);
    *p++ = 'Z';
    return std::string(buf, p);
  }
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
                rest / 3600, rest / 60 % 60, rest % 60);
  return buf;
}

std::optional<TimePoint> parse_iso_time(std::string_view text) {
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text[19] != 'Z') {
    return std::nullopt;
  }
  const auto date = parse_date(text.substr(0, 10));
  const auto h = digits(text, 11, 2), m = digits(text, 14, 2), s = digits(text, 17, 2);
  if (!date || !h || !m || !s || *h > 23 || *m > 59 || *s > 59) return std::nullopt;
  const std::int64_t secs =
      days_from_civil(date->year, date->month, date->day) * 86400 + *h * 3600 + *m * 60 + *s;
  return TimePoint(std::chrono::seconds(secs));
}

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
  if (!y || !m || !d || *y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) {
    return std::nullopt;
  }
  return Date{*y, *m, *d};
}

std::string format_date(const Date& d) {
  char buf[16];
  if (put_date(buf, d)) return std::string(buf, 10);
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

Date china_date(TimePoint t) {
  constexpr std::int64_t kOffset = 8 * 3600;
  return civil_from_days(floor_div(seconds_since_epoch(t) + kOffset, 86400));
}

std::int64_t day_number(const Date& d) { return days_from_civil(d.year, d.month, d.day); }

Date date_of_day(std::int64_t day) { return civil_from_days(day); }

int weekday(const Date& d) {
  // 1970-01-01 (day 0) was a Thursday: weekday 0 = Monday.
  return static_cast<int>(((day_number(d) + 3) % 7 + 7) % 7);
}

}  // namespace fuma::engine
