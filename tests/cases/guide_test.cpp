// SPDX-License-Identifier: Apache-2.0
// 服务指南 (guide.get): the locality's words from data, the rest from what the
// engine runs with.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "fixtures.hpp"
#include "forms/forms.hpp"
#include "fuma/attachments.hpp"
#include "fuma/workflow.hpp"
#include "guide/guide.hpp"
#include "support/file.hpp"
#include "support/process.hpp"

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
      CHECK(m.at("when").as_string() == "fixed_term");
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
  // A guide's contact is a note shown after the locality's details.
  text.replace(text.find(R"("version": 1,)"), 13,
               R"("version": 1, "contact": "节假日另行通知。",)");
  std::ofstream(dir.file("guide.json")) << text;
  World w([&](Options& o) { o.guide_path = dir.file("guide.json"); });
  const json::object r = w.call("guide.get", {{"business", "change"}}, {});
  CHECK(r.at("guide").at(0).at("contact").as_string() ==
        "办理地点、办公时间和咨询电话请向本级登记管理机关（或相应的政务服务窗口单位）咨询。"
        "节假日另行通知。");

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

// --- 申请材料 -------------------------------------------------------------------------

std::vector<std::string> kinds_of(const json::object& g) {
  std::vector<std::string> out;
  for (const json::value& m : g.at("materials").as_array()) {
    out.emplace_back(m.at("kind").as_string());
  }
  return out;
}

bool contains(const json::value& text, std::string_view words) {
  return std::string_view(text.as_string()).find(words) != std::string_view::npos;
}

TEST_CASE("an on-site business's materials are what to bring, never a condition on a certificate") {
  const json::object initial = guide_of("initial");
  CHECK(kinds_of(initial) == std::vector<std::string>{"establishment_document",
                                                      "appointment_document",
                                                      "responsible_person_id", "address_proof"});
  for (const json::value& m : initial.at("materials").as_array()) {
    CHECK(m.at("when").as_string() == "on_site");
    CHECK_FALSE(m.at("required_for_fixed_term").as_bool());
  }
  // A unit applying for its first code has no certificate to speak of.
  CHECK_FALSE(contains(initial.at("materials_note"), "有效期"));
  CHECK(contains(initial.at("materials_note"), "请携带以下材料"));
  CHECK(contains(initial.at("materials_note"), "《机关、群团等统一社会信用代码申请表》"));

  const json::object extension = guide_of("extension");
  CHECK(kinds_of(extension) ==
        std::vector<std::string>{"extension_document", "original_certificate"});
  CHECK(contains(extension.at("materials_note"), "请携带以下材料"));
}

TEST_CASE("no business's guide says nothing is needed while it lists materials") {
  const Response r = Engine::call_stateless(R"({"command":"guide.get"})");
  const json::value doc = json::parse(r.json);
  for (const json::value& v : doc.at("guide").as_array()) {
    const json::object& g = v.as_object();
    const json::value& note = g.at("materials_note");
    INFO(g.at("business").as_string());
    CHECK_FALSE(g.at("materials").as_array().empty());
    CHECK_FALSE(contains(note, "无需"));
    if (g.at("online").as_bool()) {
      CHECK_FALSE(contains(note, "携带"));
      CHECK(contains(note, "证书长期有效的单位只需在线录入信息"));
      for (const json::value& m : g.at("materials").as_array()) {
        CHECK(m.at("when").as_string() != "on_site");
      }
    } else {
      CHECK(contains(note, "需要现场办理"));
    }
  }
}

TEST_CASE("an online business with optional materials alone says they may be uploaded") {
  TempDir dir;
  std::string text =
      read_bytes(std::string(FUMA_SOURCE_DIR) + "/src/attachments/data/checklists.json");
  const std::size_t from = text.find(R"("revoke": {)");
  const std::size_t to = text.find('}', from);
  text.replace(from, to - from + 1, R"("revoke": {"optional": ["other"]})");
  std::ofstream(dir.file("checklists.json")) << text;
  World w([&](Options& o) { o.checklist_path = dir.file("checklists.json"); });
  const json::object revoke =
      w.call("guide.get", {{"business", "revoke"}}, {}).at("guide").at(0).as_object();
  CHECK(contains(revoke.at("materials_note"), "所列材料可选择上传"));
  CHECK_FALSE(contains(revoke.at("materials_note"), "证书有有效期的单位须"));
}

std::string shipped_checklist_with(const std::string& business, const std::string& list) {
  std::string text =
      read_bytes(std::string(FUMA_SOURCE_DIR) + "/src/attachments/data/checklists.json");
  const std::size_t from = text.find("\"" + business + "\": {");
  REQUIRE(from != std::string::npos);
  const std::size_t to = text.find('}', from);
  return text.replace(from, to - from + 1, "\"" + business + "\": " + list);
}

TEST_CASE("an on_site list for a business done online is refused when the engine opens") {
  TempDir dir;
  std::ofstream(dir.file("checklists.json"))
      << shipped_checklist_with("reissue", R"({"on_site": ["request_letter"]})");
  Options o;
  o.checklist_path = dir.file("checklists.json");
  try {
    Engine e(o);
    FAIL("opened with on_site for an online business");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(e.detail() == dir.file("checklists.json") +
                            ": businesses.reissue.on_site: 'reissue' is done online in the "
                            "workflow; on_site lists what is brought to the window for a "
                            "business done on site");
    CHECK(e.message() == "附件清单数据格式错误：businesses.reissue.on_site");
  }
}

TEST_CASE("an older checklist's uploads for an on-site business are what to bring") {
  TempDir dir;
  std::ofstream(dir.file("checklists.json")) << shipped_checklist_with(
      "initial", R"({"fixed_term": ["establishment_document"], "optional": ["other"]})");
  World w([&](Options& o) { o.checklist_path = dir.file("checklists.json"); });
  const json::object initial =
      w.call("guide.get", {{"business", "initial"}}, {}).at("guide").at(0).as_object();
  CHECK(kinds_of(initial) == std::vector<std::string>{"establishment_document", "other"});
  for (const json::value& m : initial.at("materials").as_array()) {
    CHECK(m.at("when").as_string() == "on_site");
  }
  CHECK(contains(initial.at("materials_note"), "请携带以下材料"));
}

TEST_CASE("a change's materials name the items that need them") {
  const json::object change = guide_of("change");
  bool approval = false;
  for (const json::value& m : change.at("materials").as_array()) {
    if (m.at("kind").as_string() != "approval_document") continue;
    approval = true;
    CHECK(m.at("items") == json::array{"name", "category"});
    CHECK(m.at("items_label").as_string() == "名称、单位类别");
  }
  CHECK(approval);
}

// --- 联系电话及其他 ----------------------------------------------------------------------

const std::string kLocality = R"({
  "version": 1,
  "office": "深圳市委编办登记管理处",
  "window_address": "福田区福中三路市民中心C区",
  "office_hours": "工作日9:00-12:00、14:00-18:00",
  "telephone": ["0755-88123456", "0755-88123457（受理窗口）"],
  "postal_address": "深圳市福田区福中三路市民中心C区",
  "postal_code": "518035",
  "postal_recipient": "登记管理处",
  "institution_registry_url": "https://sydj.example.gov.cn/query"
})";

TEST_CASE("the shipped locality knows no office: the guide says where to ask") {
  const Response r = Engine::call_stateless(R"({"command":"guide.get"})");
  const json::value doc = json::parse(r.json);
  const json::object& l = doc.at("locality").as_object();
  CHECK(l.at("telephone").as_array().empty());
  CHECK(l.at("window_address").is_null());
  CHECK(l.at("institution_registry_url").is_null());
  CHECK(doc.at("guide").at(0).at("contact").as_string() ==
        "办理地点、办公时间和咨询电话请向本级登记管理机关（或相应的政务服务窗口单位）咨询。");
}

TEST_CASE("a locality's contact details are its fields, and the guide's 联系电话及其他") {
  TempDir dir;
  std::ofstream(dir.file("locality.json")) << kLocality;
  World w([&](Options& o) { o.locality_path = dir.file("locality.json"); });
  const json::object r = w.call("guide.get", {}, {});
  const json::object& l = r.at("locality").as_object();
  CHECK(l.at("telephone") == json::array{"0755-88123456", "0755-88123457（受理窗口）"});
  CHECK(l.at("postal_code").as_string() == "518035");
  CHECK(l.at("institution_registry_url").as_string() == "https://sydj.example.gov.cn/query");
  CHECK(l.at("note").is_null());
  for (const json::value& g : r.at("guide").as_array()) {
    CHECK(g.at("contact").as_string() ==
          "办理机关：深圳市委编办登记管理处。办理地点：福田区福中三路市民中心C区。"
          "办公时间：工作日9:00-12:00、14:00-18:00。"
          "咨询电话：0755-88123456、0755-88123457（受理窗口）。"
          "邮寄地址：深圳市福田区福中三路市民中心C区，收件人：登记管理处，邮政编码：518035。");
  }
}

TEST_CASE("a locality file is checked when the engine opens, naming the defect") {
  struct Case {
    std::string from, to, detail;
  };
  const std::vector<Case> cases = {
      {R"("0755-88123456")", R"("请拨打总机")",
       "telephone[0]: '请拨打总机' is not a telephone number"},
      {R"("0755-88123456")", R"("0755-8812abcd")", "telephone[0]: '0755-8812abcd' is not"},
      {R"("0755-88123457（受理窗口）")", R"("0755-88123457（受理窗口")", "telephone[1]:"},
      {R"("518035")", R"("51803")", "postal_code: must be six digits"},
      {R"("postal_address": "深圳市福田区福中三路市民中心C区",)", "",
       "postal_code: needs postal_address"},
      {R"("https://sydj.example.gov.cn/query")", R"x("javascript:alert(1)")x",
       "institution_registry_url: must be an http:// or https:// address"},
      {R"("https://sydj.example.gov.cn/query")", R"("https://sydj.example.gov.cn/a b")",
       "institution_registry_url: must be an http:// or https:// address"},
      {R"("office_hours")", R"("hours")", "hours: unknown field (expected one of: version, "},
      {R"("telephone": ["0755-88123456", "0755-88123457（受理窗口）"])", R"("telephone": [])",
       "telephone: must list 1 to 5 numbers"},
      {R"("office": "深圳市委编办登记管理处")", R"("office": "")", "office: must not be empty"},
  };
  TempDir dir;
  for (const Case& c : cases) {
    INFO(c.detail);
    std::string text = kLocality;
    const std::size_t at = text.find(c.from);
    REQUIRE(at != std::string::npos);
    text.replace(at, c.from.size(), c.to);
    std::ofstream(dir.file("bad.json"), std::ios::trunc) << text;
    Options o;
    o.locality_path = dir.file("bad.json");
    try {
      Engine e(o);
      FAIL("opened with a defective locality file");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::invalid_argument);
      CHECK(e.detail().find(dir.file("bad.json") + ": " + c.detail) == 0);
      CHECK(e.message().rfind("联系方式文件有误：", 0) == 0);
    }
  }
}

// --- the guide, the workflow and the forms agree ----------------------------------------

TEST_CASE("each business's guide names its workflow form, and that form offers the business") {
  const workflow::Definition& def = workflow::Definition::standard();
  for (const workflow::Business& b : def.businesses()) {
    INFO(b.key);
    const json::object g = guide_of(b.key);
    CHECK(g.at("label").as_string() == b.label);
    CHECK(g.at("form").at("key").as_string() == b.form);
    const forms::Template& form = forms::Template::standard(b.form);
    CHECK(g.at("form").at("title").as_string() == form.title());
    // A form that several businesses share has a box for each; a form of
    // one business offers none or that one.
    const std::vector<std::string> boxes = form.choices("application.business");
    const auto sharing =
        std::count_if(def.businesses().begin(), def.businesses().end(),
                      [&](const workflow::Business& x) { return x.form == b.form; });
    if (sharing > 1 || !boxes.empty()) {
      CHECK(std::find(boxes.begin(), boxes.end(), b.key) != boxes.end());
    }
    // The guide's notes never name another form than the one it offers.
    for (const char* other : {"《机关、群团等统一社会信用代码申请表》",
                              "《机关、群团等统一社会信用代码证书信息变更申请表》"}) {
      if ("《" + form.title() + "》" != other) CHECK_FALSE(contains(g.at("notes"), other));
    }
  }
}

TEST_CASE("the shipped checklist lists on-site materials exactly for the on-site businesses") {
  const workflow::Definition& def = workflow::Definition::standard();
  const attachments::Rules& rules = attachments::Rules::standard();
  for (const workflow::Business& b : def.businesses()) {
    INFO(b.key);
    CHECK(rules.on_site(b.key).empty() == b.online);
    for (const std::string& kind : kinds_of(guide_of(b.key))) {
      REQUIRE(rules.kind(kind) != nullptr);
    }
  }
}

}  // namespace
}  // namespace fuma::test
