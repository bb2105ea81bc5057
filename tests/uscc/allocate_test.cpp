// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "fuma/error.hpp"
#include "fuma/uscc.hpp"

using fuma::Errc;
using fuma::uscc::allocate;

namespace {

Errc error_of(char a, char c, const char* division, const char* segment, std::uint64_t serial) {
  try {
    allocate(a, c, division, segment, serial);
  } catch (const fuma::Error& e) {
    return e.code();
  }
  return static_cast<Errc>(0);
}

}  // namespace

TEST_CASE("serial 0 in Shenzhen gives the hand-computed code") {
  CHECK(allocate('1', '1', "440300", "", 0) == "11440300000000000N");
}

TEST_CASE("allocated codes are valid and distinct serials give distinct codes") {
  std::set<std::string> seen;
  for (std::uint64_t serial = 0; serial < 5000; ++serial) {
    std::string code = allocate('1', '3', "100000", "MB2C", serial);
    CHECK_MESSAGE(fuma::uscc::is_valid(code), code);
    CHECK(code.substr(8, 4) == "MB2C");
    seen.insert(code);
  }
  CHECK(seen.size() == 5000);
}

TEST_CASE("the same serial in different segments gives different codes") {
  CHECK(allocate('1', '1', "440300", "A", 7) != allocate('1', '1', "440300", "B", 7));
}

TEST_CASE("a serial that does not fit the positions after the segment is EXHAUSTED") {
  CHECK(fuma::uscc::serial_capacity("MB2C") == 10000);
  CHECK(fuma::uscc::is_valid(allocate('1', '1', "440300", "MB2C", 9999)));
  CHECK(error_of('1', '1', "440300", "MB2C", 10000) == Errc::exhausted);
  CHECK(error_of('1', '1', "440300", "", 100000000) == Errc::exhausted);
}

TEST_CASE("bad authority, category, division or segment is INVALID_ARGUMENT") {
  CHECK(error_of('B', '1', "440300", "", 1) == Errc::invalid_argument);
  CHECK(error_of('1', '4', "440300", "", 1) == Errc::invalid_argument);
  CHECK(error_of('1', '1', "999999", "", 1) == Errc::invalid_argument);
  CHECK(error_of('1', '1', "44030", "", 1) == Errc::invalid_argument);
  CHECK(error_of('1', '1', "44030A", "", 1) == Errc::invalid_argument);
  CHECK(error_of('1', '1', "440300", "MBI", 1) == Errc::invalid_argument);
  CHECK(error_of('1', '1', "440300", "12345678", 1) == Errc::invalid_argument);
}

TEST_CASE("an abolished division cannot receive new codes") {
  try {
    allocate('1', '1', "110103", "", 1);
    FAIL("allocated in an abolished division");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.message().find("已撤销") != std::string::npos);
  }
}
