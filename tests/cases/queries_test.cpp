// application.view (the application page), unit.history (历史信息) and
// queue.list (the authority's work queues, with deadlines).
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
