// SPDX-License-Identifier: Apache-2.0
// The declarations' JSON Schema validator (src/engine/schema.hpp), held to
// the official JSON-Schema-Test-Suite: its draft2020-12 files, as Debian's
// libtest-json-schema-acceptance-perl ships them, for every keyword the
// validator implements.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "engine/schema.hpp"

namespace json = boost::json;
namespace schema = fuma::engine::schema;

namespace {

json::value read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.is_open(), path << " is missing: scripts/install-deps installs it");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

bool implemented(const std::string& keyword) {
  const auto& list = schema::keywords();
  return std::find(list.begin(), list.end(), keyword) != list.end();
}

schema::Schema compiled(std::string_view text) {
  return schema::Schema::compile(json::parse(text));
}

// The refusal compiling `text` meets: the keyword it names.
std::string refused(std::string_view text) {
  try {
    compiled(text);
  } catch (const schema::Unsupported& e) {
    return e.keyword();
  }
  return "(compiled)";
}

}  // namespace

// One file of the suite per keyword the validator implements. Within them,
// the groups whose schema needs what the validator does not implement are
// skipped, and only those: a keyword it does not know ($id, $anchor,
// patternProperties, prefixItems, not, ... appear beside the keyword a file
// is about), a $ref to another document (the suite's remotes, the
// metaschema) or to an anchor. compile() refuses exactly these, so the
// test skips a group only on that refusal, and only when it names a keyword
// the validator does not implement or a $ref it does not follow; any other
// failure to compile fails the test. (defs.json is not among the files: it
// checks $defs against the metaschema, another document; ref.json covers
// $defs.)
TEST_CASE("the validator passes the JSON-Schema-Test-Suite's draft2020-12 tests for its keywords") {
  const std::string dir = FUMA_JSON_SCHEMA_TEST_SUITE;
  const char* files[] = {"type",           "enum",      "const",
                         "properties",     "required",  "additionalProperties",
                         "items",          "minItems",  "maxItems",
                         "uniqueItems",    "minLength", "maxLength",
                         "pattern",        "minimum",   "maximum",
                         "anyOf",          "allOf",     "ref",
                         "boolean_schema", "format",    "infinite-loop-detection"};
  for (const std::string file : files) {
    const json::value groups = read_json(dir + "/" + file + ".json");
    int ran = 0, skipped = 0;
    for (const json::value& group : groups.as_array()) {
      const std::string description(group.at("description").as_string());
      INFO(file << ": " << description);
      std::optional<schema::Schema> s;
      try {
        s = schema::Schema::compile(group.at("schema"));
      } catch (const schema::Unsupported& e) {
        INFO(e.what());
        CHECK((!implemented(e.keyword()) || e.keyword() == "$ref"));
        if (e.keyword() == "$ref") {
          const std::string what = e.what();
          CHECK((what.find("leaves the document") != std::string::npos ||
                 what.find("names an anchor") != std::string::npos));
        }
        ++skipped;
        continue;
      }
      ++ran;
      for (const json::value& test : group.at("tests").as_array()) {
        INFO(test.at("description").as_string() << ": " << json::serialize(test.at("data")));
        const bool expected = test.at("valid").as_bool();
        CHECK(s->valid(test.at("data")) == expected);
        // Both ways of asking agree.
        CHECK(s->violations(test.at("data")).empty() == expected);
      }
    }
    INFO(file << ": " << ran << " groups ran, " << skipped << " skipped");
    CHECK(ran > 0);
  }
}

TEST_CASE("a keyword the validator does not implement is refused when the schema is compiled") {
  CHECK(refused(R"({"type": "object", "patternProperties": {"^x": {"type": "string"}}})") ==
        "patternProperties");
  // Anywhere: in a property, under items, in $defs nothing refers to.
  CHECK(refused(R"({"properties": {"a": {"not": {"type": "string"}}}})") == "not");
  CHECK(refused(R"({"items": {"type": "string", "exclusiveMinimum": 1}})") == "exclusiveMinimum");
  CHECK(refused(R"({"$defs": {"unused": {"oneOf": [true]}}})") == "oneOf");
  CHECK(refused(R"({"$ref": "https://example.com/other.json"})") == "$ref");
  CHECK(refused(R"({"$ref": "#anchor"})") == "$ref");
  CHECK(refused(R"({"$ref": "#/$defs/missing"})") == "$ref");
  CHECK(refused(R"({"$schema": "http://json-schema.org/draft-07/schema#"})") == "$schema");
  CHECK(refused(R"({"items": [{"type": "string"}]})") == "items");
  CHECK(refused(R"({"pattern": "^名$"})") == "pattern");
  CHECK(refused(R"({"type": "text"})") == "type");
  CHECK(refused(R"({"$ref": "#/$defs/a", "$defs": {"a": {"type": "string"}}})") == "(compiled)");
}

TEST_CASE("a violation names the field as a form does, in English and in Chinese") {
  const schema::Schema s = compiled(R"({"type": "object", "additionalProperties": false,
    "required": ["id"],
    "properties": {
      "id": {"type": "integer", "minimum": 1},
      "items": {"type": "array", "items": {"type": "object",
        "properties": {"new": {"type": ["string", "null"], "maxLength": 3}}}}}})");
  const auto found = s.violations(json::parse(R"({"items": [{"new": "ab"}, {"new": "长长长长"}],
                                                  "memo": 1})"));
  REQUIRE(found.size() == 3);
  CHECK(found[0].path == "id");
  CHECK(found[0].detail == "is required");
  CHECK(found[0].message == "缺少必填项");
  CHECK(found[1].path == "items[1].new");
  CHECK(found[1].keyword == "maxLength");
  CHECK(found[1].message == "不能超过3个字");
  CHECK(found[2].path == "memo");
  CHECK(found[2].message == "不支持的填写项“memo”");
  CHECK(s.violations(json::parse(R"({"id": "7"})")).at(0).detail == "must be an integer");
  CHECK(s.violations(json::parse(R"({"id": "7"})")).at(0).message == "应为整数");
  CHECK(s.valid(json::parse(R"({"id": 7, "items": [{"new": null}]})")));
}

TEST_CASE("errorMessage speaks for the violations at its own place, not deeper") {
  const schema::Schema s = compiled(R"({"type": "object",
    "properties": {
      "reason": {"enum": ["first", "lost"], "errorMessage": "申领原因应为“未曾领取”或“遗失”"},
      "roles": {"type": "array", "minItems": 1, "errorMessage": "请选择角色",
                "items": {"enum": ["admin"]}}}})");
  auto found = s.violations(json::parse(R"({"reason": "other", "roles": []})"));
  REQUIRE(found.size() == 2);
  CHECK(found[0].message == "申领原因应为“未曾领取”或“遗失”");
  CHECK(found[0].detail == R"(must be one of "first", "lost")");
  CHECK(found[1].message == "请选择角色");
  found = s.violations(json::parse(R"({"roles": ["x"]})"));
  REQUIRE(found.size() == 1);
  CHECK(found[0].path == "roles[0]");
  CHECK(found[0].message == "应为admin之一");
  CHECK(refused(R"({"errorMessage": 1})") == "errorMessage");
}
