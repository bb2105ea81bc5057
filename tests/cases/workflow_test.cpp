// SPDX-License-Identifier: Apache-2.0
// A case from application.start to 已办结: who may take each step, from
// which status, and what completion does to the unit and its certificate.
#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Errc;

namespace {

// Through 受理, 复核通过, 通知 and 办结.
json::object complete(World& w, std::int64_t id) {
  w.step("accept", id, "acc1");
  w.step("approve", id, "rev1");
  w.step("notify", id, "acc1", "请寄送签字盖章的申请表");
  return w.step("complete", id, "acc2");
}

}  // namespace

TEST_CASE("申请初领 and 证书延期 answer 需要现场办理") {
  World w;
  const std::string code = w.register_unit();
  for (const char* business : {"initial", "extension"}) {
    auto e = w.fail("application.start", {{"business", business}}, unit(code));
    CHECK(e.code() == Errc::on_site_only);
    CHECK(e.message() == "需要现场办理");
  }
}

TEST_CASE("a new application starts in 未提交 with the definition's progress") {
  World w;
  const std::string code = w.register_unit();
  auto a = World::app(w.call("application.start", {{"business", "change"}}, unit(code)));
  CHECK(a.at("status").at("key").as_string() == "draft");
  CHECK(a.at("status").at("label").as_string() == "未提交");
  CHECK(a.at("business").at("label").as_string() == "申请变更");
  CHECK(a.at("version").as_int64() == 1);
}

TEST_CASE("a change runs to 已办结 and updates the unit") {
  World w;
  const std::string code = w.register_unit("某某局");
  const auto id = w.start(code, "change");
  w.save(code, id,
         {{"items", json::array{json::object{{"item", "name"}, {"new", "某某管理局"}},
                                json::object{{"item", "address"}, {"new", "深圳市南山区1号"}},
                                json::object{{"item", "responsible_person"}, {"new", "李四"}},
                                json::object{{"item", "category"}, {"new", "群团"}}}}});
  w.call("application.submit", {{"id", id}}, unit(code));
  auto a = complete(w, id);
  CHECK(a.at("status").at("label").as_string() == "已办结");
  CHECK_FALSE(a.at("open").as_bool());
  const auto& u = a.at("unit");
  CHECK(u.at("name").as_string() == "某某管理局");
  CHECK(u.at("address").as_string() == "深圳市南山区1号");
  CHECK(u.at("responsible_person").as_string() == "李四");
  CHECK(u.at("category").as_string() == "群团");
  // The certificate's validity is no online change (证书延期 is on site).
  CHECK(a.at("certificate").at("long_term").as_bool());
  // The case keeps what it changed from.
  CHECK(a.at("fields").at("items").at(0).at("old").as_string() == "某某局");
}

TEST_CASE("every step answers with the case exactly as application.view then shows it") {
  // The answer is made after the write from what the command read inside
  // it, its own new event included: it must not differ from a fresh read.
  World w;
  const std::string code = w.register_unit();
  // A day between steps, so that each status has its own "since" and due date.
  auto same_as_view = [&](const json::object& result, const json::object& actor) {
    const std::int64_t id = World::app(result).at("id").as_int64();
    CHECK(World::app(result) == World::app(w.call("application.view", {{"id", id}}, actor)));
    w.advance(std::chrono::hours(24));
    return id;
  };
  const std::int64_t id =
      same_as_view(w.call("application.start", {{"business", "reissue"}}, unit(code)), unit(code));
  same_as_view(
      w.call("application.save", {{"id", id}, {"fields", {{"reason", "证书遗失"}}}}, unit(code)),
      unit(code));
  same_as_view(w.call("application.submit", {{"id", id}}, unit(code)), unit(code));
  same_as_view(w.call("application.accept", {{"id", id}}, staff("acc1")), staff("acc1"));
  same_as_view(w.call("application.approve", {{"id", id}}, staff("rev1")), staff("rev1"));
  same_as_view(w.call("application.notify", {{"id", id}, {"reply", "请寄送签字盖章的申请表"}},
                      staff("acc1")),
               staff("acc1"));
  const json::object done = w.call("application.complete", {{"id", id}}, staff("acc2"));
  same_as_view(done, staff("acc2"));
  // 受理, 复核通过, 通知 and 办结 each left an event after 创建 and 提交.
  CHECK(w.count("SELECT count(*) FROM events WHERE application_id = " + std::to_string(id)) == 6);
}

TEST_CASE("a reissue runs to 已办结 and issues a new certificate serial") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  auto a = complete(w, id);
  CHECK(a.at("certificate").at("serial").as_string() == code + "-02");
  CHECK(w.count("SELECT count(*) FROM certificates WHERE serial = '" + code +
                "-01' AND status = 'superseded'") == 1);
}

TEST_CASE("a replace runs to 已办结 and issues a new certificate serial") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "replace");
  w.save(code, id, {{"reason", "证书破损"}});
  w.call("application.submit", {{"id", id}}, unit(code));
  auto a = complete(w, id);
  CHECK(a.at("certificate").at("serial").as_string() == code + "-02");
  CHECK(a.at("certificate").at("issued_on").as_string() == "2026-11-23");
}

TEST_CASE("a revoke runs to 已办结 and revokes the unit and its certificate") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "revoke");
  w.save(code, id, {{"reason", "机构撤销"}});
  w.call("application.submit", {{"id", id}}, unit(code));
  auto a = complete(w, id);
  CHECK(a.at("unit").at("revoked").as_bool());
  CHECK(a.at("certificate").is_null());
  CHECK(w.count("SELECT count(*) FROM certificates WHERE status = 'revoked'") == 1);
  // A revoked unit can no longer act.
  CHECK(w.code_of("application.start", {{"business", "reissue"}}, unit(code)) == Errc::forbidden);
}

TEST_CASE("every staff step by the wrong role is forbidden") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  // 待受理: accept and reject are for acceptors.
  for (const char* command : {"accept", "reject"}) {
    CHECK(w.code_of(std::string("application.") + command, {{"id", id}, {"reply", "x"}},
                    staff("rev1")) == Errc::forbidden);
    CHECK(w.code_of(std::string("application.") + command, {{"id", id}, {"reply", "x"}},
                    unit(code)) == Errc::forbidden);
    CHECK(w.code_of(std::string("application.") + command, {{"id", id}, {"reply", "x"}},
                    staff("admin")) == Errc::forbidden);
  }
  w.step("accept", id, "acc1");
  // 待复核: approve and return are for reviewers.
  for (const char* command : {"approve", "return"}) {
    CHECK(w.code_of(std::string("application.") + command, {{"id", id}, {"reply", "x"}},
                    staff("acc2")) == Errc::forbidden);
    CHECK(w.code_of(std::string("application.") + command, {{"id", id}, {"reply", "x"}},
                    unit(code)) == Errc::forbidden);
  }
  w.step("return", id, "rev1", "材料不全");
  // 复核退回: forward and reject are for acceptors.
  for (const char* command : {"forward", "reject"}) {
    CHECK(w.code_of(std::string("application.") + command, {{"id", id}, {"reply", "x"}},
                    staff("rev2")) == Errc::forbidden);
  }
  w.step("forward", id, "acc2");
  w.step("approve", id, "rev1");
  // 待通知 and 待打印: notify and complete are for acceptors.
  CHECK(w.code_of("application.notify", {{"id", id}, {"reply", "x"}}, staff("rev1")) ==
        Errc::forbidden);
  w.step("notify", id, "acc1", "请寄送申请表");
  CHECK(w.code_of("application.complete", {{"id", id}}, staff("rev1")) == Errc::forbidden);
  CHECK(w.code_of("application.complete", {{"id", id}}, unit(code)) == Errc::forbidden);
}

TEST_CASE("the applicant's steps are not for staff") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  CHECK(w.code_of("application.save", {{"id", id}, {"fields", json::object{}}}, staff("acc1")) ==
        Errc::forbidden);
  CHECK(w.code_of("application.submit", {{"id", id}}, staff("acc1")) == Errc::forbidden);
  CHECK(w.code_of("application.delete", {{"id", id}}, staff("acc1")) == Errc::forbidden);
  CHECK(w.code_of("application.start", {{"business", "reissue"}}, staff("acc1")) ==
        Errc::forbidden);
}

TEST_CASE("another authority's case and unit are not found by its staff, as missing ones") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  CHECK(w.code_of("application.accept", {{"id", id}}, staff("gzacc")) == Errc::not_found);
  CHECK(w.code_of("application.view", {{"id", id}}, staff("gzacc")) == Errc::not_found);
  CHECK(w.code_of("unit.history", {{"uscc", code}}, staff("gzrev")) == Errc::not_found);
  // The same answers as for an id and a code that exist nowhere.
  CHECK(w.code_of("application.view", {{"id", id + 100}}, staff("gzacc")) == Errc::not_found);
  CHECK(w.code_of("unit.history", {{"uscc", "91440300MA5G000000"}}, staff("gzrev")) ==
        w.code_of("unit.history", {{"uscc", code}}, staff("gzrev")));
  CHECK(w.status(id, unit(code)) == "submitted");
}

TEST_CASE("another unit's application is not found") {
  World w;
  const std::string mine = w.register_unit("甲局");
  const std::string theirs = w.register_unit("乙局");
  const auto id = w.start(theirs, "reissue");
  CHECK(w.code_of("application.view", {{"id", id}}, unit(mine)) == Errc::not_found);
  CHECK(w.code_of("application.save", {{"id", id}, {"fields", json::object{}}}, unit(mine)) ==
        Errc::not_found);
  CHECK(w.code_of("application.delete", {{"id", id}}, unit(mine)) == Errc::not_found);
  CHECK(w.code_of("unit.history", {{"uscc", theirs}}, unit(mine)) == Errc::not_found);
  // The same answer as an id that does not exist at all.
  CHECK(w.code_of("application.view", {{"id", id + 100}}, unit(mine)) == Errc::not_found);
}

TEST_CASE("an id of 2^63 or more is refused, not wrapped to a negative id") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  const std::uint64_t wraps_to_id = (std::uint64_t{1} << 63) + static_cast<std::uint64_t>(id);
  CHECK(w.code_of("application.view", {{"id", wraps_to_id}}, unit(code)) == Errc::invalid_argument);
  CHECK(w.code_of("application.view", {{"id", std::uint64_t{UINT64_MAX}}}, unit(code)) ==
        Errc::invalid_argument);
  CHECK(w.code_of("application.accept", {{"id", wraps_to_id}}, staff("acc1")) ==
        Errc::invalid_argument);
  // The largest id there can be is an id like any other.
  CHECK(w.code_of("application.view", {{"id", std::int64_t{INT64_MAX}}}, unit(code)) ==
        Errc::not_found);
  CHECK(w.status(id, unit(code)) == "submitted");
}

TEST_CASE("four eyes: whoever accepted may not approve") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  w.step("accept", id, "both");
  auto e = w.fail("application.approve", {{"id", id}}, staff("both"));
  CHECK(e.code() == Errc::forbidden);
  CHECK(says(e, "其他工作人员"));
  CHECK(w.step("approve", id, "rev1").at("status").at("key").as_string() == "approved");
}

TEST_CASE("four eyes: whoever forwarded may not approve, even if another accepted") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  w.step("accept", id, "acc1");
  w.step("return", id, "rev1", "请核实");
  w.step("forward", id, "both");
  CHECK(w.code_of("application.approve", {{"id", id}}, staff("both")) == Errc::forbidden);
  w.step("approve", id, "rev2");
}

TEST_CASE("a reply is required where the definition says so") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  auto e = w.fail("application.reject", {{"id", id}}, staff("acc1"));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(says(e, "回复信息"));
  CHECK(w.code_of("application.reject", {{"id", id}, {"reply", "  \u3000 "}}, staff("acc1")) ==
        Errc::invalid_argument);
  w.step("accept", id, "acc1");
  CHECK(w.code_of("application.return", {{"id", id}}, staff("rev1")) == Errc::invalid_argument);
  w.step("approve", id, "rev1");
  CHECK(w.code_of("application.notify", {{"id", id}}, staff("acc1")) == Errc::invalid_argument);
  CHECK(w.status(id, unit(code)) == "approved");
}

TEST_CASE("a reply becomes the applicant's 最新信息") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  w.step("reject", id, "acc1", "请补充遗失声明");
  auto a = w.view(id, unit(code));
  CHECK(a.at("latest_reply").as_string() == "请补充遗失声明");
  CHECK(a.at("status").at("label").as_string() == "未通过");
}

TEST_CASE("steps from the wrong status are INVALID_STATE naming the status") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  auto e = w.fail("application.accept", {{"id", id}}, staff("acc1"));
  CHECK(e.code() == Errc::invalid_state);
  CHECK(says(e, "未提交"));
  w.save(code, id, {{"reason", "遗失"}});
  w.call("application.submit", {{"id", id}}, unit(code));
  CHECK(w.code_of("application.approve", {{"id", id}}, staff("rev1")) == Errc::invalid_state);
  CHECK(w.code_of("application.complete", {{"id", id}}, staff("acc1")) == Errc::invalid_state);
  e = w.fail("application.save", {{"id", id}, {"fields", json::object{}}}, unit(code));
  CHECK(e.code() == Errc::invalid_state);
  CHECK(says(e, "待受理"));
  CHECK(w.code_of("application.submit", {{"id", id}}, unit(code)) == Errc::invalid_state);
}

TEST_CASE("a rejected application can be edited and submitted again") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  w.step("reject", id, "acc1", "理由不清楚");
  w.save(code, id, {{"reason", "证书于2026年11月遗失"}});
  w.call("application.submit", {{"id", id}}, unit(code));
  CHECK(w.status(id, unit(code)) == "submitted");
}

TEST_CASE("a unit has at most one open application") {
  World w;
  const std::string code = w.register_unit();
  w.start(code, "change");
  auto e = w.fail("application.start", {{"business", "reissue"}}, unit(code));
  CHECK(e.code() == Errc::conflict);
  CHECK(says(e, "申请变更"));
}

TEST_CASE("a completed application makes room for the next one") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.approved_case(code);
  w.step("notify", id, "acc1", "请寄送申请表");
  w.step("complete", id, "acc1");
  CHECK(w.start(code, "replace") > id);
}

TEST_CASE("delete is allowed in 未提交 and 未通过 only") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  auto e = w.fail("application.delete", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::invalid_state);
  w.step("reject", id, "acc1", "请重新申请");
  w.call("application.delete", {{"id", id}}, unit(code));
  CHECK(w.code_of("application.view", {{"id", id}}, unit(code)) == Errc::not_found);
  const auto draft = w.start(code, "change");
  w.call("application.delete", {{"id", draft}}, unit(code));
  CHECK(w.count("SELECT count(*) FROM applications") == 0);
}

TEST_CASE("delete removes the attachments for good and leaves an event") {
  World w;
  const std::string code = w.register_unit("某局", "2027-12-31");
  const auto id = w.start(code, "reissue");
  w.call("attachment.upload", {{"id", id}, {"kind", "loss_announcement"}, {"file_name", "a.png"}},
         unit(code), read_file("stamp.png"));
  CHECK(w.count("SELECT count(*) FROM attachments") == 1);
  w.call("application.delete", {{"id", id}}, unit(code));
  CHECK(w.count("SELECT count(*) FROM attachments") == 0);
  CHECK(w.count("SELECT count(*) FROM blobs") == 0);
  auto h = w.call("unit.history", {}, unit(code));
  const auto& app = h.at("applications").at(0);
  CHECK(app.at("deleted").as_bool());
  CHECK(app.at("events").as_array().back().at("action").as_string() == "delete");
}
