// SPDX-License-Identifier: Apache-2.0
// The fuma::Error an input must raise, returned for the test's own checks.
// refusal(f): f must throw an invalid_argument Error with a detail; a failed
// check (and the test goes on) when it throws none. refusal(code, f): f must
// throw an Error of that code; the test stops when it throws none.
// Include after doctest.
#ifndef FUMA_TESTS_SUPPORT_REFUSAL_HPP
#define FUMA_TESTS_SUPPORT_REFUSAL_HPP

#include "fuma/error.hpp"

namespace fuma::test {

template <class F>
Error refusal(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK_FALSE(e.detail().empty());
    return e;
  }
  FAIL_CHECK("no fuma::Error thrown");
  return Error(Errc::internal, "no error thrown", "未抛出错误");
}

template <class F>
Error refusal(Errc code, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.code() == code);
    return e;
  }
  FAIL("no fuma::Error thrown");
  return Error(Errc::internal, "unreachable");
}

}  // namespace fuma::test

#endif  // FUMA_TESTS_SUPPORT_REFUSAL_HPP
