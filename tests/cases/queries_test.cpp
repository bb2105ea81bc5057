// SPDX-License-Identifier: Apache-2.0
// application.view (the application page), unit.history (历史信息),
// queue.list (the authority's work queues, with deadlines) and unit.lookup
// (事业单位法人信息查询, the public registry).
#include <algorithm>
#include <cctype>

#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Errc;

namespace {

std::vector<std::string> strings(const json::array& list, const char* key) {
  std::vector<std::string> out;
  for (const auto& v : list) out.emplace_back(v.at(key).as_string());
  return out;
}

}  // namespace

TEST_CASE("the view shows progress, fields with old values and the actor's actions") {
  World w;
  const std::string code = w.register_unit("某某局");
  const auto id = w.start(code, "change");
  w.save(code, id, {{"items", json::array{json::object{{"item", "name"}, {"new", "新局"}}}}});
  auto a = w.view(id, unit(code));
  CHECK(strings(a.at("progress").as_array(), "label") ==
        std::vector<std::string>{"未提交", "待受理", "未通过", "待复核", "复核退回", "待通知",
                                 "待打印", "已办结"});
  CHECK(a.at("progress").at(0).at("current").as_bool());
  const auto& item = a.at("fields").at("items").at(0);
  CHECK(item.at("label").as_string() == "名称");
  CHECK(item.at("old").as_string() == "某某局");
  CHECK(item.at("new").as_string() == "新局");
  CHECK(strings(a.at("actions").as_array(), "command") ==
        std::vector<std::string>{"application.save", "application.submit", "attachment.upload",
                                 "application.delete"});
  CHECK(a.at("due").is_null());
  // Staff see the case, with nothing for them to do yet.
  CHECK(w.view(id, staff("acc1")).at("actions").as_array().empty());
}

TEST_CASE("the view offers staff exactly the steps they may take") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  CHECK(strings(w.view(id, staff("acc1")).at("actions").as_array(), "action") ==
        std::vector<std::string>{"accept", "reject"});
  CHECK(w.view(id, staff("rev1")).at("actions").as_array().empty());
  CHECK(w.view(id, unit(code)).at("actions").as_array().empty());
  w.step("accept", id, "both");
  CHECK(w.view(id, staff("both")).at("actions").as_array().size() == 1);  // return, not approve
  auto reviewer = w.view(id, staff("rev1"));
  CHECK(strings(reviewer.at("actions").as_array(), "action") ==
        std::vector<std::string>{"approve", "return"});
  CHECK(reviewer.at("actions").at(1).at("reply").as_string() == "required");
}

TEST_CASE("the view carries the deadline of a time-limited status") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);  // Monday: 待受理 has 2 working days
  auto a = w.view(id, staff("acc1"));
  CHECK(a.at("due").as_string() == "2026-11-25");
  CHECK_FALSE(a.at("overdue").as_bool());
  w.advance(std::chrono::hours(72));  // Thursday
  CHECK(w.view(id, staff("acc1")).at("overdue").as_bool());
}

TEST_CASE("deadlines count working days only") {
  World w;
  const std::string code = w.register_unit();
  w.advance(std::chrono::hours(4 * 24));  // Friday
  const auto id = w.submitted_case(code);
  CHECK(w.view(id, staff("acc1")).at("due").as_string() == "2026-12-01");  // Tuesday
}

TEST_CASE("history lists every application, newest first, with its events") {
  World w;
  const std::string code = w.register_unit();
  const auto first = w.start(code, "change");
  w.call("application.delete", {{"id", first}}, unit(code));
  const auto second = w.submitted_case(code);
  w.step("reject", second, "acc1", "请说明遗失经过");
  auto h = w.call("unit.history", {}, unit(code));
  const auto& apps = h.at("applications").as_array();
  REQUIRE(apps.size() == 2);
  CHECK(apps[0].at("id").as_int64() == second);
  CHECK(apps[0].at("business").at("label").as_string() == "申请补领");
  CHECK(apps[1].at("deleted").as_bool());
  CHECK(apps[1].at("business").at("label").as_string() == "申请变更");
  const auto& events = apps[0].at("events").as_array();
  CHECK(strings(events, "action") == std::vector<std::string>{"start", "submit", "reject"});
  const auto& reject = events.back();
  CHECK(reject.at("from").at("label").as_string() == "待受理");
  CHECK(reject.at("to").at("label").as_string() == "未通过");
  CHECK(reject.at("reply").as_string() == "请说明遗失经过");
  CHECK(reject.at("actor_name").as_string() == "acc1");
  CHECK(reject.at("at").as_string() == "2026-11-23T01:00:00Z");
  // Staff of the authority read the same history by code.
  CHECK(w.call("unit.history", {{"uscc", code}}, staff("rev1")).at("applications") ==
        h.at("applications"));
}

TEST_CASE("a 暂存 is not an event of 历史信息") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  w.save(code, id, {{"reason", "a"}});
  w.save(code, id, {{"reason", "b"}});
  auto h = w.call("unit.history", {}, unit(code));
  CHECK(h.at("applications").at(0).at("events").as_array().size() == 1);
}

TEST_CASE("queues hold the cases of the staff member's own authority") {
  World w;
  const std::string a = w.register_unit("甲局");
  const std::string b = w.register_unit("乙局");
  const auto first = w.submitted_case(a);
  w.submitted_case(b);
  auto q = w.call("queue.list", {{"status", "submitted"}}, staff("rev1"));
  const auto& items = q.at("items").as_array();
  REQUIRE(items.size() == 2);
  CHECK(items[0].at("id").as_int64() == first);
  CHECK(items[0].at("unit").as_string() == "甲局");
  CHECK(items[0].at("uscc").as_string() == a);
  CHECK(items[0].at("business").at("label").as_string() == "申请补领");
  CHECK(items[0].at("status").at("label").as_string() == "待受理");
  CHECK(items[0].at("due").as_string() == "2026-11-25");
  CHECK(w.call("queue.list", {{"status", "submitted"}}, staff("gzacc"))
            .at("items")
            .as_array()
            .empty());
  CHECK(
      w.call("queue.list", {{"status", "accepted"}}, staff("rev1")).at("items").as_array().empty());
  CHECK(w.code_of("queue.list", {{"status", "submitted"}}, unit(a)) == Errc::forbidden);
}

TEST_CASE("queues page with a cursor") {
  World w;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(w.submitted_case(w.register_unit("单位" + std::to_string(i))));
    w.advance(std::chrono::hours(1));
  }
  std::vector<std::int64_t> seen;
  json::object args{{"status", "submitted"}, {"limit", 2}};
  for (int page = 0; page < 5; ++page) {
    auto q = w.call("queue.list", args, staff("acc1"));
    for (const auto& item : q.at("items").as_array()) seen.push_back(item.at("id").as_int64());
    if (q.at("next").is_null()) break;
    args["after"] = q.at("next");
  }
  CHECK(seen == ids);
}

TEST_CASE("overdue_only keeps the cases past their due date") {
  World w;
  const auto old_case = w.submitted_case(w.register_unit("甲局"));
  w.advance(std::chrono::hours(72));  // Thursday: the Monday case is overdue
  w.submitted_case(w.register_unit("乙局"));
  auto q = w.call("queue.list", {{"status", "submitted"}, {"overdue_only", true}}, staff("acc1"));
  REQUIRE(q.at("items").as_array().size() == 1);
  CHECK(q.at("items").at(0).at("id").as_int64() == old_case);
  CHECK(q.at("items").at(0).at("overdue").as_bool());
}

// --- unit.lookup ------------------------------------------------------------

namespace {

const json::object kNobody;  // a request without an actor

json::array lookup(World& w, const json::object& args) {
  return w.call("unit.lookup", args, kNobody).at("units").as_array();
}

std::vector<std::string> names(const json::array& units) { return strings(units, "name"); }

// A revoke run to 已办结.
void revoke(World& w, const std::string& code) {
  const auto id = w.start(code, "revoke");
  w.save(code, id, {{"reason", "机构撤销"}});
  w.call("application.submit", {{"id", id}}, unit(code));
  w.step("accept", id, "acc1");
  w.step("approve", id, "rev1");
  w.step("notify", id, "acc1", "请寄送签字盖章的申请表");
  w.step("complete", id, "acc2");
}

}  // namespace

TEST_CASE("unit.lookup finds a unit by its complete code, with no actor at all") {
  World w;
  const std::string code = w.register_unit("深圳市某某局");
  const std::string fixed = w.register_unit("深圳市定期局", "2027-12-31");
  const std::int64_t audit = w.count("SELECT count(*) FROM audit");
  // Lower case and the spaces an input method leaves around it still find it.
  std::string typed = code;
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const json::object r = w.call("unit.lookup", {{"query", "\u3000 " + typed + " "}}, kNobody);
  CHECK_FALSE(r.at("truncated").as_bool());
  const auto& units = r.at("units").as_array();
  REQUIRE(units.size() == 1);
  const auto& u = units[0].as_object();
  CHECK(u.at("uscc").as_string() == code);
  CHECK(u.at("name").as_string() == "深圳市某某局");
  CHECK(u.at("category").as_string() == "机关");
  CHECK(u.at("address").as_string() == "深圳市福田区福中三路1号");
  CHECK(u.at("responsible_person").as_string() == "张三");
  CHECK(u.at("status").as_string() == "active");
  CHECK(u.at("status_label").as_string() == "正常");
  CHECK(u.at("certificate").at("serial").as_string() == code + "-01");
  CHECK(u.at("certificate").at("valid_until").is_null());
  CHECK(u.at("certificate").at("long_term").as_bool());
  CHECK_FALSE(u.at("certificate").at("expired").as_bool());
  CHECK(u.at("authority").at("code").as_string() == "sz");
  CHECK(u.at("authority").at("name").as_string() == "深圳市委机构编制委员会办公室");
  // Nothing about its cases or records beyond the certificate.
  CHECK(u.size() == 9);

  const auto f = lookup(w, {{"query", fixed}});
  REQUIRE(f.size() == 1);
  CHECK(f[0].at("certificate").at("valid_until").as_string() == "2027-12-31");
  CHECK_FALSE(f[0].at("certificate").at("long_term").as_bool());
  CHECK_FALSE(f[0].at("certificate").at("expired").as_bool());
  // Past its date the certificate shows as expired.
  w.advance(std::chrono::hours(24 * 800));
  CHECK(lookup(w, {{"query", fixed}})[0].at("certificate").at("expired").as_bool());

  // A valid code that names no unit finds nothing; it is not a name.
  CHECK(lookup(w, {{"query", "91350100M000100Y43"}}).empty());
  // A staff member may search too; the lookup writes nothing.
  CHECK(w.call("unit.lookup", {{"query", code}}, staff("gzacc")).at("units").as_array().size() ==
        1);
  CHECK(w.count("SELECT count(*) FROM audit") == audit);
}

TEST_CASE("unit.lookup matches part of a name, ordered by name then code") {
  World w;
  w.register_unit("深圳市甲局");
  w.register_unit("深圳市乙局");
  const std::string twin1 = w.register_unit("深圳市同名局");
  const std::string twin2 = w.register_unit("深圳市同名局");
  const std::string gz = w.register_unit("广州市某某中心", std::nullopt, "gzacc");

  std::vector<std::string> sz{"深圳市甲局", "深圳市乙局", "深圳市同名局", "深圳市同名局"};
  std::sort(sz.begin(), sz.end());
  const auto found = lookup(w, {{"query", "深圳"}});
  CHECK(names(found) == sz);
  // Two units of one name come in code order.
  std::vector<std::string> twins;
  for (const auto& u : found) {
    if (u.at("name").as_string() == "深圳市同名局") twins.emplace_back(u.at("uscc").as_string());
  }
  CHECK(twins == std::vector<std::string>{std::min(twin1, twin2), std::max(twin1, twin2)});

  CHECK(names(lookup(w, {{"query", "乙局"}})) == std::vector<std::string>{"深圳市乙局"});
  CHECK(lookup(w, {{"query", "圳市"}}).size() == 4);
  const auto g = lookup(w, {{"query", "某某中心"}});
  REQUIRE(g.size() == 1);
  CHECK(g[0].at("uscc").as_string() == gz);
  CHECK(g[0].at("authority").at("code").as_string() == "gz");
  CHECK(g[0].at("authority").at("name").as_string() == "广州市委机构编制委员会办公室");
  CHECK(lookup(w, {{"query", "北京市"}}).empty());
}

TEST_CASE("unit.lookup takes % and _ in the query as themselves") {
  World w;
  w.register_unit("深圳市100%局");
  w.register_unit("深圳市1000局");
  w.register_unit("深圳市A_B中心");
  w.register_unit("深圳市AXB中心");
  w.register_unit("深圳市反\\斜中心");
  w.register_unit("深圳市反斜中心");
  CHECK(names(lookup(w, {{"query", "100%"}})) == std::vector<std::string>{"深圳市100%局"});
  CHECK(names(lookup(w, {{"query", "0%局"}})) == std::vector<std::string>{"深圳市100%局"});
  CHECK(names(lookup(w, {{"query", "A_B"}})) == std::vector<std::string>{"深圳市A_B中心"});
  CHECK(names(lookup(w, {{"query", "反\\斜"}})) == std::vector<std::string>{"深圳市反\\斜中心"});
  CHECK(lookup(w, {{"query", "%%"}}).empty());
  CHECK(lookup(w, {{"query", "__"}}).empty());
  CHECK(lookup(w, {{"query", "1_0"}}).empty());
  // ASCII letters match in either case, as people type them.
  CHECK(names(lookup(w, {{"query", "axb"}})) == std::vector<std::string>{"深圳市AXB中心"});
}

TEST_CASE("unit.lookup refuses a query it cannot search for") {
  World w;
  w.register_unit("深圳市某某局");
  const std::int64_t audit = w.count("SELECT count(*) FROM audit");
  auto check_refused = [&](const json::object& args, const std::string& words) {
    const fuma::Error e = w.fail("unit.lookup", args, kNobody);
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(says(e, words));
    CHECK_FALSE(e.detail().empty());
    return e;
  };
  // One character of a name is too little to search for.
  const fuma::Error one =
      check_refused({{"query", "某"}}, "请输入至少两个字的名称或完整的统一社会信用代码");
  REQUIRE(one.problems().size() == 1);
  CHECK(one.problems()[0].field == "query");
  check_refused({{"query", " 局\u3000"}}, "至少两个字");
  check_refused({{"query", "_"}}, "至少两个字");
  // An 18-character text that is not a valid code is a name, found nowhere.
  CHECK(lookup(w, {{"query", "91350100M000100Y44"}}).empty());
  check_refused({{"query", ""}}, "请填写");
  check_refused({{"query", " \u3000 "}}, "请填写");
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "局";
  CHECK(lookup(w, {{"query", hundred}}).empty());
  check_refused({{"query", hundred + "局"}}, "不能超过100个字");
  check_refused({{"query", "某某\n局"}}, "控制字符");
  check_refused({{"query", 12}}, "");
  check_refused({{"query", json::array{"某某局"}}}, "");
  check_refused({}, "缺少必填项");
  check_refused({{"query", "某某局"}, {"page", 2}}, "");
  CHECK(w.count("SELECT count(*) FROM audit") == audit);
}

TEST_CASE("unit.lookup returns at most limit units and says when there were more") {
  World w;
  for (int i = 0; i < 21; ++i) w.register_unit("深圳市第" + std::to_string(100 + i) + "中心");
  json::object r = w.call("unit.lookup", {{"query", "深圳市第"}}, kNobody);
  CHECK(r.at("units").as_array().size() == 20);
  CHECK(r.at("truncated").as_bool());
  CHECK(r.at("units").at(0).at("name").as_string() == "深圳市第100中心");
  r = w.call("unit.lookup", {{"query", "深圳市第"}, {"limit", 21}}, kNobody);
  CHECK(r.at("units").as_array().size() == 21);
  CHECK_FALSE(r.at("truncated").as_bool());
  r = w.call("unit.lookup", {{"query", "深圳市第"}, {"limit", 1}}, kNobody);
  CHECK(names(r.at("units").as_array()) == std::vector<std::string>{"深圳市第100中心"});
  CHECK(r.at("truncated").as_bool());
  CHECK(w.call("unit.lookup", {{"query", "深圳市第"}, {"limit", 50}}, kNobody)
            .at("units")
            .as_array()
            .size() == 21);
  for (const json::value& limit :
       {json::value(0), json::value(51), json::value(-1), json::value("5"), json::value(2.5)}) {
    const fuma::Error e = w.fail("unit.lookup", {{"query", "深圳市第"}, {"limit", limit}}, kNobody);
    CHECK(e.code() == Errc::invalid_argument);
  }
  CHECK(says(w.fail("unit.lookup", {{"query", "深圳市第"}, {"limit", 51}}, kNobody), "1至50"));
}

TEST_CASE("unit.lookup shows a revoked unit as 已撤销, without a certificate") {
  World w;
  const std::string code = w.register_unit("深圳市撤销局");
  w.register_unit("深圳市留存局");
  revoke(w, code);
  const auto by_code = lookup(w, {{"query", code}});
  REQUIRE(by_code.size() == 1);
  CHECK(by_code[0].at("status").as_string() == "revoked");
  CHECK(by_code[0].at("status_label").as_string() == "已撤销");
  CHECK(by_code[0].at("certificate").is_null());
  const auto by_name = lookup(w, {{"query", "深圳市"}});
  REQUIRE(by_name.size() == 2);
  for (const auto& u : by_name) {
    const bool revoked = u.at("uscc").as_string() == code;
    CHECK(u.at("status").as_string() == (revoked ? "revoked" : "active"));
    CHECK(u.at("status_label").as_string() == (revoked ? "已撤销" : "正常"));
    CHECK(u.at("certificate").is_null() == revoked);
  }
}
