// SPDX-License-Identifier: Apache-2.0
// JsonText: JSON written member by member, the one writer of every answer:
// values, a tree's members, and members already written as text.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "engine/command.hpp"
#include "engine/json_text.hpp"

namespace json = boost::json;
using fuma::engine::JsonText;

TEST_CASE("JsonText separates members and elements at every depth") {
  JsonText w(4);  // little room at first: the text grows as it is written
  w.begin_object();
  w.member("a", std::int64_t{1});
  w.key("b");
  w.begin_array();
  w.begin_object();
  w.member("c", true);
  w.end_object();
  w.begin_object();
  w.end_object();
  w.value("x");
  w.end_array();
  w.member("d", nullptr);
  w.key("e");
  w.begin_array();
  w.end_array();
  w.key("f");
  w.begin_object();
  w.end_object();
  w.end_object();
  CHECK(w.text() == R"({"a":1,"b":[{"c":true},{},"x"],"d":null,"e":[],"f":{}})");
}

TEST_CASE("JsonText escapes what JSON needs escaped and passes UTF-8 through") {
  const std::string tricky = "引号\"反斜杠\\换行\n制表\t\x01结束";
  JsonText w(4);  // little room at first: the text grows as it is written
  w.begin_object();
  w.member("s", tricky);
  w.member("plain", std::string("深圳市福田区"));
  w.end_object();
  const std::string text(w.text());
  const json::value v = json::parse(text);
  CHECK(v.at("s").as_string() == tricky);
  CHECK(text.find("\\\"") != std::string::npos);
  CHECK(text.find("\\u0001") != std::string::npos);
  // Written as it is, not as \u escapes.
  CHECK(text.find("深圳市福田区") != std::string::npos);
  // Exactly what boost::json writes for the same values.
  CHECK(text == json::serialize(json::object{{"s", tricky}, {"plain", "深圳市福田区"}}));
}

TEST_CASE("JsonText writes integers at their limits, optionals and trees") {
  JsonText w(4);  // little room at first: the text grows as it is written
  w.begin_array();
  w.value(std::numeric_limits<std::int64_t>::min());
  w.value(std::numeric_limits<std::int64_t>::max());
  w.value(std::numeric_limits<std::uint64_t>::max());
  w.value(std::optional<std::string>());
  w.value(std::optional<std::string>("有"));
  w.value(std::optional<std::string_view>());
  w.value(json::value(json::object{{"k", json::array{1, "二", nullptr}}}));
  w.value(false);
  w.end_array();
  CHECK(w.text() ==
        "[-9223372036854775808,9223372036854775807,18446744073709551615,null,\"有\",null,"
        "{\"k\":[1,\"二\",null]},false]");
}

TEST_CASE("a tree's members and members written before join the open object") {
  JsonText w;
  w.begin_object();
  w.member("ok", true);
  w.members(json::object{{"a", json::object{{"b", 1}}}});
  w.raw_members(R"("c":1,"d":[2])");
  w.raw_members("");
  w.member("e", nullptr);
  w.end_object();
  CHECK(w.text() == R"({"ok":true,"a":{"b":1},"c":1,"d":[2],"e":null})");
}

TEST_CASE("members written first need no comma before them") {
  JsonText w;
  w.begin_object();
  w.raw_members(R"("a":1)");
  w.members(json::object{{"b", 2}});
  w.end_object();
  CHECK(w.text() == R"({"a":1,"b":2})");
}

TEST_CASE("take hands over the text and leaves the writer empty") {
  JsonText w(2);
  w.begin_object();
  w.members(json::object{});
  w.end_object();
  CHECK(w.take() == "{}");
  CHECK(w.text().empty());
  w.begin_array();
  w.value(std::int64_t{1});
  w.end_array();
  CHECK(w.take() == "[1]");
}
