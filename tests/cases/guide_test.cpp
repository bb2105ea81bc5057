// SPDX-License-Identifier: Apache-2.0
// 服务指南 (guide.get): the locality's words from data, the rest from what the
// engine runs with.
#include <doctest/doctest.h>

#include <fstream>

#include "fixtures.hpp"
#include "guide/guide.hpp"

namespace fuma::test {
namespace {

json::object guide_of(const std::string& business) {
  const Response r = Engine::call_stateless(
      json::serialize(json::object{{"command", "guide.get"}, {"args", {{"business", business}}}}));
  const json::value doc = json::parse(r.json);
  const json::array& list = doc.at("guide").as_array();
  REQUIRE(list.size() == 1);
  return list.front().as_object();
}

TEST_CASE("guide.get lists the six businesses with the manual's five columns") {
  const Response r = Engine::call_stateless(R"({"command":"guide.get"})");
  const json::value doc = json::parse(r.json);
  const json::array& list = doc.at("guide").as_array();
  REQUIRE(list.size() == 6);
  for (const json::value& v : list) {
    const json::object& g = v.as_object();
    for (const char* field : {"scope", "process", "materials", "form", "contact"}) {
      CHECK_MESSAGE(g.contains(field), field);
    }
    CHECK_FALSE(g.at("scope").as_string().empty());
  }
}

TEST_CASE("the guide's materials are the checklist's and its form the workflow's") {
  const json::object reissue = guide_of("reissue");
  CHECK(reissue.at("label").as_string() == "申请补领");
  bool announcement = false;
  for (const json::value& m : reissue.at("materials").as_array()) {
    if (m.at("kind").as_string() == "loss_announcement") {
      announcement = true;
      CHECK(m.at("required_for_fixed_term").as_bool());
    }
  }
  CHECK(announcement);
  CHECK(reissue.at("form").at("title").as_string() == "机关、群团等统一社会信用代码申请表");
  CHECK(guide_of("change").at("form").at("title").as_string() ==
        "机关、群团等统一社会信用代码证书信息变更申请表");
  // On-site businesses have no online steps.
  const json::object initial = guide_of("initial");
  CHECK_FALSE(initial.at("online").as_bool());
  CHECK(initial.at("process").as_array().empty());
  CHECK(guide_of("change").at("process").as_array().front().at("label").as_string() == "未提交");
}

TEST_CASE("guide.get refuses an unknown business") {
  CHECK_THROWS_AS(Engine::call_stateless(R"({"command":"guide.get","args":{"business":"nope"}})"),
                  Error);
}

TEST_CASE("a locality's guide replaces the words, and is checked against its workflow") {
  TempDir dir;
  std::ifstream in(std::string(FUMA_SOURCE_DIR) + "/src/guide/data/guide.json");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string from =
      "办理地点、办公时间和咨询电话以本级登记管理机关（或相应的政务服务窗口单位）公布的为准。";
  text.replace(text.find(from), from.size(), "咨询电话：0755-12345678");
  std::ofstream(dir.file("guide.json")) << text;
  World w([&](Options& o) { o.guide_path = dir.file("guide.json"); });
  const json::object r = w.call("guide.get", {{"business", "change"}}, {});
  CHECK(r.at("guide").at(0).at("contact").as_string() == "咨询电话：0755-12345678");

  // A business the workflow lacks, or one left out, is refused on open.
  const std::string extra =
      text.substr(0, text.rfind(']')) + R"(, {"key": "merge", "scope": "合并"}]})";
  std::ofstream(dir.file("extra.json")) << extra;
  Options o;
  o.guide_path = dir.file("extra.json");
  try {
    Engine e(o);
    FAIL("an engine opened with a guide for a business it does not have");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.detail().find("merge") != std::string::npos);
  }
}

}  // namespace
}  // namespace fuma::test
