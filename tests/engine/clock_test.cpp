// SPDX-License-Identifier: Apache-2.0
// The engine's times and dates as text: what the store keeps and compares.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "engine/clock.hpp"

using fuma::engine::Date;
using fuma::engine::format_date;
using fuma::engine::iso_time;
using fuma::engine::parse_iso_time;
using fuma::engine::TimePoint;

namespace {

TimePoint at(std::int64_t seconds) { return TimePoint(std::chrono::seconds(seconds)); }

}  // namespace

TEST_CASE("iso_time writes UTC with whole seconds, zero-padded") {
  CHECK(iso_time(at(0)) == "1970-01-01T00:00:00Z");
  CHECK(iso_time(at(1795761993)) == "2026-11-27T06:46:33Z");
  CHECK(iso_time(at(951782400 - 1)) == "2000-02-28T23:59:59Z");
  CHECK(iso_time(at(951782400 + 86400)) == "2000-03-01T00:00:00Z");  // 2000 was a leap year
  CHECK(iso_time(at(-1)) == "1969-12-31T23:59:59Z");
  // A fraction of a second is dropped, not rounded.
  CHECK(iso_time(at(59) + std::chrono::milliseconds(999)) == "1970-01-01T00:00:59Z");
}

TEST_CASE("iso_time and parse_iso_time agree across the clock's range") {
  // The system clock counts nanoseconds in 64 bits: about 1678 to 2262.
  for (const char* text : {"1678-01-01T00:00:00Z", "1900-03-01T00:00:00Z", "2024-02-29T12:00:00Z",
                           "2262-04-11T23:47:16Z"}) {
    const auto t = parse_iso_time(text);
    REQUIRE(t);
    CHECK(iso_time(*t) == text);
  }
}

TEST_CASE("format_date zero-pads and keeps years outside 0 to 9999 whole") {
  CHECK(format_date(Date{2026, 1, 5}) == "2026-01-05");
  CHECK(format_date(Date{7, 12, 31}) == "0007-12-31");
  CHECK(format_date(Date{12345, 6, 7}) == "12345-06-07");
  CHECK(format_date(Date{-1, 1, 1}) == "-001-01-01");
  // A date no record holds is still written whole, not cut to two digits.
  CHECK(format_date(Date{2026, 123, 5}) == "2026-123-05");
}
