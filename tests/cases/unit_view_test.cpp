// SPDX-License-Identifier: Apache-2.0
// What a unit sees of its case and may do online: looking at a business
// creates nothing, 证书延期 stays on site (no online change moves the
// certificate's validity), staff's notes to each other stay among staff,
// 最新信息 stays until a later reply, and 已办结 says what was done.
#include <algorithm>

#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Errc;

namespace {

json::object item(const char* name, const std::string& value) {
  return json::object{{"item", name}, {"new", value}};
}

bool has_problem(const fuma::Error& e, const std::string& field, const std::string& words) {
  const auto& p = e.problems();
  return std::any_of(p.begin(), p.end(), [&](const fuma::Problem& x) {
    return x.field == field && x.message.find(words) != std::string::npos;
  });
}

std::string validity_of(World& w, const std::string& code) {
  const auto s = w.call("application.preview", {{"business", "change"}}, unit(code));
  const auto& cert = s.at("certificate").as_object();
  return std::string(cert.at("validity").as_string());
}

// 受理, 复核退回 with `note`, 重新提交复核, 复核通过: 待通知.
void returned_once(World& w, std::int64_t id, const std::string& note) {
  w.step("accept", id, "acc1");
  w.step("return", id, "rev1", note);
  w.step("forward", id, "acc1");
  w.step("approve", id, "rev1");
}

bool any_reply(const json::array& events, const std::string& text) {
  return std::any_of(events.begin(), events.end(),
                     [&](const json::value& e) { return e.at("reply").as_string() == text; });
}

json::array events_of(World& w, std::int64_t id, const json::object& actor,
                      const std::string& uscc) {
  json::object args;
  if (actor.contains("staff")) args["uscc"] = uscc;
  const auto h = w.call("unit.history", args, actor);
  for (const json::value& a : h.at("applications").as_array()) {
    if (a.at("id").as_int64() == id) return a.at("events").as_array();
  }
  FAIL("application " << id << " is not in 历史信息");
  return {};
}

}  // namespace

// --- 证书延期 is on site -------------------------------------------------------------

TEST_CASE("证书有效期 is no online change item: later, 长期有效 or earlier alike") {
  World w;
  const std::string code = w.register_unit("深圳市某某局", "2027-06-30");
  const auto id = w.start(code, "change");
  for (const char* value : {"2031-12-31", "长期有效", "2027-01-31"}) {
    CAPTURE(value);
    auto e = w.fail("application.save",
                    {{"id", id}, {"fields", {{"items", json::array{item("validity", value)}}}}},
                    unit(code));
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(has_problem(e, "items[0].item", "证书延期需要现场办理"));
  }
  CHECK(validity_of(w, code) == "2027-06-30");
}

TEST_CASE("证书有效期 beside other items is refused at its own place, the others kept apart") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "change");
  auto e = w.fail("application.save",
                  {{"id", id},
                   {"fields",
                    {{"items", json::array{item("address", "深圳市南山区1号"),
                                           item("validity", "2031-12-31")}}}}},
                  unit(code));
  CHECK(has_problem(e, "items[1].item", "证书延期需要现场办理"));
  CHECK(e.problems().size() == 1);
}

TEST_CASE("a first 暂存 with 证书有效期 creates no case") {
  World w;
  const std::string code = w.register_unit();
  auto e = w.fail(
      "application.start",
      {{"business", "change"}, {"fields", {{"items", json::array{item("validity", "长期有效")}}}}},
      unit(code));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(says(e, "证书延期需要现场办理"));
  CHECK(w.count("SELECT count(*) FROM applications") == 0);
}

TEST_CASE("a change submitted with 证书有效期 before it was refused completes without it") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "change");
  w.save(code, id, {{"items", json::array{item("address", "深圳市南山区1号")}}});
  w.call("application.submit", {{"id", id}}, unit(code));
  // As an earlier version stored it.
  w.exec(R"(UPDATE applications SET fields_json = '{"items":[)"
         R"({"item":"address","old":"x","new":"深圳市南山区1号"},)"
         R"({"item":"validity","old":"长期有效","new":"2030-12-31"}]}' WHERE id = )" +
         std::to_string(id));
  w.step("accept", id, "acc1");
  w.step("approve", id, "rev1");
  w.step("notify", id, "acc1", "请寄送申请表");
  auto a = w.step("complete", id, "acc1");
  CHECK(a.at("unit").at("address").as_string() == "深圳市南山区1号");
  CHECK(a.at("certificate").at("long_term").as_bool());
}

// --- looking creates nothing ---------------------------------------------------------

TEST_CASE("application.preview shows a business's form and creates nothing") {
  World w;
  const std::string code = w.register_unit("深圳市某某局");
  const auto p = w.call("application.preview", {{"business", "reissue"}}, unit(code));
  CHECK(p.at("business").at("label").as_string() == "申请补领");
  CHECK(p.at("entry").as_string() == "reason");
  CHECK(p.at("initial_status").at("label").as_string() == "未提交");
  CHECK(p.at("progress").as_array().size() == 8);
  CHECK(p.at("progress").at(0).at("current").as_bool());
  CHECK(p.at("unit").at("name").as_string() == "深圳市某某局");
  CHECK(p.at("certificate").at("serial").as_string() == code + "-01");
  CHECK(p.at("open_application").is_null());
  CHECK(w.count("SELECT count(*) FROM applications") == 0);
  CHECK(w.count("SELECT count(*) FROM events") == 0);
}

TEST_CASE("after looking at 补领, 换领 starts; exactly one case") {
  World w;
  const std::string code = w.register_unit();
  w.call("application.preview", {{"business", "reissue"}}, unit(code));
  const auto id = w.start(code, "replace");
  CHECK(w.count("SELECT count(*) FROM applications") == 1);
  CHECK(w.view(id, unit(code)).at("business").at("key").as_string() == "replace");
}

TEST_CASE("application.preview names the open case that would block a new one") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "change");
  const auto p = w.call("application.preview", {{"business", "replace"}}, unit(code));
  CHECK(p.at("open_application").at("id").as_int64() == id);
  CHECK(p.at("open_application").at("business").at("label").as_string() == "申请变更");
}

TEST_CASE("application.preview of an on-site business answers 需要现场办理") {
  World w;
  const std::string code = w.register_unit();
  auto e = w.fail("application.preview", {{"business", "extension"}}, unit(code));
  CHECK(e.code() == Errc::on_site_only);
  CHECK(e.message() == "需要现场办理");
  CHECK(w.code_of("application.preview", {{"business", "transfer"}}, unit(code)) ==
        Errc::invalid_argument);
}

TEST_CASE("application.preview is the unit's: staff are refused") {
  World w;
  w.register_unit();
  CHECK(w.code_of("application.preview", {{"business", "change"}}, staff("acc1")) ==
        Errc::forbidden);
}

TEST_CASE("a first 暂存 starts the case with what was typed, in one step") {
  World w;
  const std::string code = w.register_unit();
  auto a = World::app(w.call("application.start",
                             {{"business", "reissue"}, {"fields", {{"reason", "证书遗失"}}}},
                             unit(code)));
  CHECK(a.at("fields").at("reason").as_string() == "证书遗失");
  CHECK(a.at("status").at("key").as_string() == "draft");
  CHECK(w.count("SELECT count(*) FROM applications") == 1);
}

// --- staff's notes stay among staff ----------------------------------------------------

TEST_CASE("a unit never reads the 复核退回 note; staff do") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  const std::string note = "遗失声明日期与申请表不一致，请核对";
  w.step("accept", id, "acc1");
  w.step("return", id, "rev1", note);
  auto mine = w.view(id, unit(code));
  CHECK(mine.at("status").at("label").as_string() == "复核退回");
  CHECK(mine.at("latest_reply").as_string().empty());
  CHECK(mine.at("latest").is_null());
  CHECK(json::serialize(mine).find(note) == std::string::npos);
  auto theirs = w.view(id, staff("acc1"));
  CHECK(theirs.at("latest_reply").as_string() == note);
  CHECK(theirs.at("latest").at("status").at("label").as_string() == "复核退回");
}

TEST_CASE("a unit's 历史信息 shows 复核退回 without its note; staff's shows the note") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  const std::string note = "请核对遗失公告";
  returned_once(w, id, note);
  const json::array mine = events_of(w, id, unit(code), code);
  CHECK_FALSE(any_reply(mine, note));
  CHECK(std::any_of(mine.begin(), mine.end(),
                    [](const json::value& e) { return e.at("action").as_string() == "return"; }));
  CHECK(any_reply(events_of(w, id, staff("acc1"), code), note));
}

TEST_CASE("a unit reads 未通过's and 通知's replies") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  w.step("reject", id, "acc1", "请补充遗失声明");
  CHECK(w.view(id, unit(code)).at("latest_reply").as_string() == "请补充遗失声明");
  w.call("application.submit", {{"id", id}}, unit(code));
  returned_once(w, id, "内部意见");
  w.step("notify", id, "acc1", "请寄送申请表");
  auto a = w.view(id, unit(code));
  CHECK(a.at("latest_reply").as_string() == "请寄送申请表");
  CHECK(a.at("latest").at("action").as_string() == "notify");
  const json::array events = events_of(w, id, unit(code), code);
  CHECK(any_reply(events, "请补充遗失声明"));
  CHECK(any_reply(events, "请寄送申请表"));
  CHECK_FALSE(any_reply(events, "内部意见"));
}

// --- 最新信息 stays until a later reply ------------------------------------------------

TEST_CASE("a staff step without a reply leaves 最新信息 as it was, with its step") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.approved_case(code);
  w.step("notify", id, "acc1", "请寄送申请表");
  auto a = w.step("complete", id, "acc1");
  CHECK(a.at("latest_reply").as_string() == "请寄送申请表");
  CHECK(a.at("latest").at("status").at("label").as_string() == "待打印");
  CHECK(w.view(id, unit(code)).at("latest_reply").as_string() == "请寄送申请表");
}

// --- 已办结 tells the unit what was done ------------------------------------------------

TEST_CASE("no outcome before 已办结") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.approved_case(code);
  CHECK(w.view(id, unit(code)).at("outcome").is_null());
}

TEST_CASE("a 补领 at 已办结 tells the unit its new certificate and what to do next") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.approved_case(code);
  w.step("notify", id, "acc1", "请到窗口领取");
  w.advance(std::chrono::hours(24));
  const auto done = w.step("complete", id, "acc1");
  const auto o = w.view(id, unit(code)).at("outcome").as_object();
  CHECK(o.at("status").as_string() == "已办结");
  CHECK(o.at("summary").as_string().find("新证书") != std::string::npos);
  CHECK(o.at("next_steps").as_string().find("领取") != std::string::npos);
  CHECK(o.at("certificate").at("serial").as_string() == code + "-02");
  CHECK(o.at("completed_at") == done.at("updated_at"));
}

TEST_CASE("a 变更 at 已办结 says what was done and issues no new certificate") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "change");
  w.save(code, id, {{"items", json::array{item("name", "深圳市某某管理局")}}});
  w.call("application.submit", {{"id", id}}, unit(code));
  w.step("accept", id, "acc1");
  w.step("approve", id, "rev1");
  w.step("notify", id, "acc1", "请寄送申请表");
  w.step("complete", id, "acc1");
  const auto o = w.view(id, unit(code)).at("outcome").as_object();
  CHECK(o.at("summary").as_string().find("变更") != std::string::npos);
  CHECK(o.at("certificate").is_null());
}

TEST_CASE("the outcome's certificate is the one this completion issued, not a later one") {
  World w;
  const std::string code = w.register_unit();
  const auto first = w.approved_case(code);
  w.step("notify", first, "acc1", "请领取");
  w.step("complete", first, "acc1");
  w.advance(std::chrono::hours(24));
  const auto second = w.start(code, "replace");
  w.save(code, second, {{"reason", "证书破损"}});
  w.call("application.submit", {{"id", second}}, unit(code));
  w.step("accept", second, "acc1");
  w.step("approve", second, "rev1");
  w.step("notify", second, "acc1", "请领取");
  w.step("complete", second, "acc1");
  CHECK(w.view(first, unit(code)).at("outcome").at("certificate").is_null());
  CHECK(w.view(second, unit(code)).at("outcome").at("certificate").at("serial").as_string() ==
        code + "-03");
}
