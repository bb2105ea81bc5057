// SPDX-License-Identifier: Apache-2.0
// 暂存 and 提交: the entry form's checks, and the attachments a fixed-term
// certificate needs before submit.
#include <algorithm>

#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Errc;

namespace {

json::object item(const char* name, const std::string& value) {
  return json::object{{"item", name}, {"new", value}};
}

bool has_problem(const fuma::Error& e, const std::string& field) {
  const auto& p = e.problems();
  return std::any_of(p.begin(), p.end(), [&](const fuma::Problem& x) { return x.field == field; });
}

}  // namespace

TEST_CASE("暂存 keeps partial input") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "change");
  auto a = World::app(
      w.call("application.save",
             {{"id", id}, {"fields", {{"items", json::array{json::object{{"item", "name"}}}}}}},
             unit(code)));
  CHECK(a.at("fields").at("items").at(0).at("item").as_string() == "name");
  CHECK(a.at("fields").at("items").at(0).at("old").as_string() == "深圳市某某局");
  CHECK(a.at("version").as_int64() == 2);
}

TEST_CASE("暂存 refuses wrong types and unknown fields, all at once") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "change");
  auto e = w.fail(
      "application.save",
      {{"id", id},
       {"fields",
        {{"items", json::array{json::object{{"item", "colour"}, {"new", 7}}}}, {"memo", "x"}}}},
      unit(code));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(has_problem(e, "items[0].item"));
  CHECK(has_problem(e, "items[0].new"));
  CHECK(has_problem(e, "memo"));
  CHECK(e.json().find("\"problems\"") != std::string::npos);
}

TEST_CASE("提交 reports every field problem at once") {
  World w;
  const std::string code = w.register_unit("某某局");
  const auto id = w.start(code, "change");
  w.save(code, id,
         {{"items", json::array{item("name", "某某局"),                  // same as before
                                item("address", std::string(201, 'a')),  // too long
                                item("responsible_person", "张\x01三"),  // control character
                                item("category", "企业"),                // not a category
                                item("address", "深圳市")}},             // twice
          {"reason", std::string(501, 'x')}});
  auto e = w.fail("application.submit", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::invalid_argument);
  for (const char* field : {"items[0].new", "items[1].new", "items[2].new", "items[3].new",
                            "items[4].item", "reason"}) {
    CAPTURE(field);
    CHECK(has_problem(e, field));
  }
  CHECK(e.problems().size() == 6);
  CHECK(w.status(id, unit(code)) == "draft");
}

TEST_CASE("提交 of a change needs at least one item") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "change");
  auto e = w.fail("application.submit", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(has_problem(e, "items"));
}

TEST_CASE("提交 of a reissue needs a reason") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  w.save(code, id, {{"reason", " \t "}});
  auto e = w.fail("application.submit", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(has_problem(e, "reason"));
}

TEST_CASE("提交 trims the input it keeps") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "reissue");
  w.save(code, id, {{"reason", "\u3000证书遗失 "}});
  auto a = World::app(w.call("application.submit", {{"id", id}}, unit(code)));
  CHECK(a.at("fields").at("reason").as_string() == "证书遗失");
}

TEST_CASE("an old value sent by the client is ignored") {
  World w;
  const std::string code = w.register_unit("某某局");
  const auto id = w.start(code, "change");
  w.save(
      code, id,
      {{"items", json::array{json::object{{"item", "name"}, {"old", "伪造"}, {"new", "新局"}}}}});
  auto a = World::app(w.call("application.submit", {{"id", id}}, unit(code)));
  CHECK(a.at("fields").at("items").at(0).at("old").as_string() == "某某局");
}

TEST_CASE("MISSING_ATTACHMENTS lists each missing kind for a fixed-term certificate") {
  World w;
  const std::string code = w.register_unit("某局", "2027-12-31");
  const auto id = w.start(code, "change");
  w.save(code, id,
         {{"items",
           json::array{item("address", "深圳市南山区"), item("responsible_person", "李四")}}});
  w.call("attachment.upload",
         {{"id", id}, {"kind", "appointment_document"}, {"file_name", "任职文件.pdf"}}, unit(code),
         read_file("letter.pdf"));
  auto e = w.fail("application.submit", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::missing_attachments);
  REQUIRE(e.problems().size() == 2);
  CHECK(e.problems()[0].kind == "address_proof");
  CHECK(e.problems()[0].label == "住所证明");
  CHECK(e.problems()[1].kind == "responsible_person_id");
  CHECK(e.problems()[1].label == "负责人身份证复印件");
  CHECK(says(e, "住所证明"));
}

TEST_CASE("a fixed-term certificate submits once the checklist is complete") {
  World w;
  const std::string code = w.register_unit("某局", "2027-12-31");
  const auto id = w.start(code, "reissue");
  w.save(code, id, {{"reason", "遗失"}});
  w.call("attachment.upload", {{"id", id}, {"kind", "request_letter"}, {"file_name", "说明.pdf"}},
         unit(code), read_file("letter.pdf"));
  w.call("attachment.upload",
         {{"id", id}, {"kind", "loss_announcement"}, {"file_name", "公告.jpg"}}, unit(code),
         read_file("photo.jpg"));
  w.call("application.submit", {{"id", id}}, unit(code));
  CHECK(w.status(id, unit(code)) == "submitted");
}

TEST_CASE("a long-term certificate submits without attachments") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.start(code, "revoke");
  w.save(code, id, {{"reason", "机构撤销"}});
  w.call("application.submit", {{"id", id}}, unit(code));
  CHECK(w.status(id, unit(code)) == "submitted");
}
