// SPDX-License-Identifier: Apache-2.0
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "fuma/version.h"

namespace json = boost::json;
using fuma::Engine;
using fuma::Errc;

namespace {

json::object call(const std::string& request) {
  return json::parse(Engine::call_stateless(request).json).as_object();
}

// The error a request gets, with its detail.
std::pair<Errc, std::string> failure(const std::string& request) {
  try {
    Engine::call_stateless(request);
  } catch (const fuma::Error& e) {
    return {e.code(), e.detail()};
  }
  return {static_cast<Errc>(0), ""};
}

}  // namespace

TEST_CASE("uscc.check answers ok with the verdict and the parts") {
  auto r = call(R"({"command":"uscc.check","args":{"code":"91350100M000100Y43"}})");
  CHECK(r.at("ok").as_bool());
  CHECK(r.at("valid").as_bool());
  CHECK(r.at("reason").is_null());
  CHECK(r.at("parts").at("division").at("name").as_string() == "福州市");
  CHECK(r.at("parts").at("authority").at("name").as_string() == "工商");
}

TEST_CASE("an invalid code is still an ok call, with reason, position and messages") {
  auto r = call(R"({"command":"uscc.check","args":{"code":"91350100M000100Y4X"}})");
  CHECK(r.at("ok").as_bool());
  CHECK_FALSE(r.at("valid").as_bool());
  CHECK(r.at("reason").as_string() == "CHECK");
  CHECK(r.at("position").as_int64() == 18);
  CHECK(std::string(r.at("message").as_string()).find("校验码") != std::string::npos);
}

TEST_CASE("uscc.allocate returns a valid code") {
  auto r = call(
      R"({"command":"uscc.allocate","args":{"authority":"1","category":"1","division":"440300","serial":0}})");
  CHECK(r.at("code").as_string() == "11440300000000000N");
}

TEST_CASE("fuma.version reports the release, ABI and schema versions") {
  auto r = call(R"({"command":"fuma.version"})");
  CHECK(r.at("version").as_string() == FUMA_VERSION);
  CHECK(r.at("abi_version").as_int64() == FUMA_ABI_VERSION);
  CHECK(r.at("schema_version").as_int64() >= 1);
}

TEST_CASE("malformed requests are INVALID_ARGUMENT saying what is wrong") {
  CHECK(failure("").first == Errc::invalid_argument);
  CHECK(failure("{").second.find("not valid JSON") != std::string::npos);
  CHECK(failure("[1,2]").second.find("JSON object") != std::string::npos);
  CHECK(failure(R"({"args":{}})").second.find("command") != std::string::npos);
  CHECK(failure(R"({"command":7})").second.find("command") != std::string::npos);
  CHECK(failure(R"({"command":"uscc.check","args":[]})").second.find("args") != std::string::npos);
  CHECK(
      failure(R"({"command":"uscc.check","actor":"x","args":{"code":""}})").second.find("actor") !=
      std::string::npos);
  CHECK(failure(R"({"command":"fuma.version","extra":1})").second.find("extra") !=
        std::string::npos);
}

TEST_CASE("a command that needs no actor still refuses a malformed one") {
  CHECK(failure(R"({"command":"fuma.version","actor":{"system":true,"staff":"x"}})").first ==
        Errc::invalid_argument);
  CHECK(failure(R"({"command":"guide.get","actor":{"staff":""}})").first == Errc::invalid_argument);
  CHECK(failure(R"({"command":"uscc.check","args":{"code":"1"},"actor":{"king":"x"}})").first ==
        Errc::invalid_argument);
  CHECK(call(R"({"command":"fuma.version","actor":{"staff":"acc"}})").at("ok").as_bool());
}

TEST_CASE("JSON with invalid UTF-8 is refused") {
  CHECK(failure("{\"command\":\"uscc.check\",\"args\":{\"code\":\"\xff\"}}").first ==
        Errc::invalid_argument);
}

TEST_CASE("deeply nested JSON is refused, not recursed into") {
  std::string deep = R"({"command":"fuma.version","args":{"a":)";
  deep += std::string(10000, '[') + std::string(10000, ']') + "}}";
  CHECK(failure(deep).first == Errc::invalid_argument);
}

TEST_CASE("arguments of the wrong type, missing or unknown are named") {
  CHECK(failure(R"({"command":"uscc.check","args":{"code":5}})").second.find("args.code") !=
        std::string::npos);
  CHECK(failure(R"({"command":"uscc.check","args":{}})").second.find("args.code is required") !=
        std::string::npos);
  CHECK(failure(R"({"command":"uscc.check","args":{"code":"x","cdoe":"y"}})").second.find("cdoe") !=
        std::string::npos);
  CHECK(
      failure(
          R"({"command":"uscc.allocate","args":{"authority":"1","category":"1","division":"440300","serial":-1}})")
          .second.find("args.serial must be at least 0") != std::string::npos);
  CHECK(
      failure(
          R"({"command":"uscc.allocate","args":{"authority":"11","category":"1","division":"440300","serial":1}})")
          .second.find("args.authority must have at most 1 character") != std::string::npos);
}

TEST_CASE("an unknown command is UNKNOWN_COMMAND") {
  auto [code, detail] = failure(R"({"command":"uscc.chek"})");
  CHECK(code == Errc::unknown_command);
  CHECK(detail.find("uscc.chek") != std::string::npos);
}

TEST_CASE("a request over the size limit is refused before parsing") {
  std::string big =
      R"({"command":"uscc.check","args":{"code":")" + std::string(17u << 20, 'A') + "\"}}";
  CHECK(failure(big).second.find("larger than") != std::string::npos);
}

TEST_CASE("a 10 MB code inside the size limit gets its LENGTH verdict") {
  auto r =
      call(R"({"command":"uscc.check","args":{"code":")" + std::string(10u << 20, 'A') + "\"}}");
  CHECK(r.at("reason").as_string() == "LENGTH");
  CHECK(r.at("code").is_null());
}

TEST_CASE("errors serialise to the documented JSON shape") {
  fuma::Error e(Errc::on_site_only, "initial registration is done at the window");
  auto v = json::parse(e.json()).as_object();
  CHECK_FALSE(v.at("ok").as_bool());
  CHECK(v.at("error").at("code").as_string() == "ON_SITE_ONLY");
  CHECK(v.at("error").at("message").as_string() == "需要现场办理");
  CHECK(v.at("error").at("detail").as_string() == "initial registration is done at the window");
}

TEST_CASE("options: known names are set, unknown names and bad values refused") {
  fuma::Options o;
  o.set("busy_timeout_ms", "250");
  CHECK(o.busy_timeout_ms == 250);
  CHECK_THROWS_AS(o.set("busy_timeout", "1"), fuma::Error);
  CHECK_THROWS_AS(o.set("busy_timeout_ms", "-1"), fuma::Error);
  CHECK_THROWS_AS(o.set("busy_timeout_ms", "12abc"), fuma::Error);
  CHECK(o.busy_timeout_ms == 250);
}

TEST_CASE("one engine answers many threads at once") {
  Engine engine;
  std::vector<std::thread> threads;
  std::vector<int> valid(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto r = json::parse(
            engine.call(R"({"command":"uscc.check","args":{"code":"91350100M000100Y43"}})").json);
        valid[static_cast<std::size_t>(t)] += r.at("valid").as_bool() ? 1 : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int v : valid) CHECK(v == 200);
}
