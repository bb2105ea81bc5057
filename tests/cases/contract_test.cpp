// SPDX-License-Identifier: Apache-2.0
// The World holds every answer to its command's declaration
// (fixtures.hpp: check_result, check_error). These show that it would
// notice a declaration that lies: each test must fail.
#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Errc;

TEST_CASE("a result its declaration does not describe fails the test" * doctest::should_fail()) {
  // application.view answers {"application": <case>}, never a bare id.
  check_result("application.view", json::parse(R"({"ok": true, "id": 1})"));
}

TEST_CASE("an error code its command does not declare fails the test" * doctest::should_fail()) {
  // uscc.check needs no store and names no actor: never STORAGE or FORBIDDEN.
  check_error("uscc.check", fuma::Error(Errc::forbidden, "not a code uscc.check answers"));
}

TEST_CASE("a declared result and a declared error pass") {
  World w;
  const std::string code = w.register_unit();
  check_result(
      "uscc.check",
      json::parse(
          w.engine().call(R"({"command":"uscc.check","args":{"code":")" + code + R"("}})").json));
  check_error("application.view", w.fail("application.view", {{"id", 999}}, unit(code)));
}
