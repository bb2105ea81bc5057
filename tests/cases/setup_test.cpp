// SPDX-License-Identifier: Apache-2.0
// authority.create, staff.create, unit.register (申请初领 on site) and
// certificate.extend (证书延期 on site).
#include <set>

#include "fixtures.hpp"
#include "fuma/uscc.hpp"

using namespace fuma::test;
using fuma::Errc;

TEST_CASE("authority.create answers the authority it created") {
  World w;
  auto r =
      w.call("authority.create", {{"code", "fz"}, {"name", "福州市委编办"}, {"division", "350100"}},
             system_actor());
  CHECK(r.at("authority").at("code").as_string() == "fz");
  CHECK(r.at("authority").at("division").as_string() == "350100");
}

TEST_CASE("authority.create is for the system only") {
  World w;
  CHECK(w.code_of("authority.create",
                  {{"code", "fz"}, {"name", "福州市委编办"}, {"division", "350100"}},
                  staff("admin")) == Errc::forbidden);
}

TEST_CASE("authority.create refuses unknown and abolished divisions and repeated codes") {
  World w;
  auto e = w.fail("authority.create", {{"code", "x"}, {"name", "某机关"}, {"division", "999999"}},
                  system_actor());
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(says(e, "行政区划代码不存在"));
  // 崇文区 of Beijing (110103) was merged into 东城区 in 2010.
  e = w.fail("authority.create", {{"code", "x"}, {"name", "某机关"}, {"division", "110103"}},
             system_actor());
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(w.code_of("authority.create", {{"code", "sz"}, {"name", "重复"}, {"division", "440300"}},
                  system_actor()) == Errc::conflict);
}

TEST_CASE("staff.create by an admin of the authority works, by others is forbidden") {
  World w;
  auto r = w.call("staff.create",
                  {{"authority", "sz"},
                   {"username", "acc3"},
                   {"name", "李四"},
                   {"roles", json::array{"acceptor"}}},
                  staff("admin"));
  CHECK(r.at("staff").at("username").as_string() == "acc3");
  CHECK(w.code_of("staff.create",
                  {{"authority", "gz"},
                   {"username", "x1"},
                   {"name", "王五"},
                   {"roles", json::array{"acceptor"}}},
                  staff("admin")) == Errc::forbidden);
  CHECK(w.code_of("staff.create",
                  {{"authority", "sz"},
                   {"username", "x2"},
                   {"name", "王五"},
                   {"roles", json::array{"acceptor"}}},
                  staff("acc1")) == Errc::forbidden);
}

TEST_CASE("staff.create refuses unknown roles") {
  World w;
  CHECK(w.code_of("staff.create",
                  {{"authority", "sz"},
                   {"username", "x"},
                   {"name", "王五"},
                   {"roles", json::array{"clerk"}}},
                  system_actor()) == Errc::invalid_argument);
}

TEST_CASE("unit.register allocates distinct valid codes of the authority's division") {
  World w;
  std::set<std::string> codes;
  for (const char* category : {"机关", "群团", "其他", "机关"}) {
    auto r = w.call("unit.register",
                    {{"name", std::string("某单位") + category},
                     {"category", category},
                     {"address", "深圳市"},
                     {"responsible_person", "张三"}},
                    staff("acc1"));
    const std::string code(r.at("uscc").as_string());
    CHECK(fuma::uscc::is_valid(code));
    CHECK(code.substr(2, 6) == "440300");
    CHECK(code.substr(8, 2) == "MB");
    codes.insert(code);
    CHECK(r.at("certificate").at("serial").as_string() == code + "-01");
    CHECK(r.at("certificate").at("long_term").as_bool());
  }
  CHECK(codes.size() == 4);
}

TEST_CASE("unit.register gives the USCC category of the unit's category") {
  World w;
  CHECK(w.register_unit().substr(0, 2) == "11");
  auto r = w.call("unit.register",
                  {{"name", "某群团"},
                   {"category", "群团"},
                   {"address", "深圳市"},
                   {"responsible_person", "张三"}},
                  staff("acc1"));
  CHECK(std::string(r.at("uscc").as_string()).substr(0, 2) == "13");
}

TEST_CASE("unit.register is for acceptors") {
  World w;
  json::object args{{"name", "某局"},
                    {"category", "机关"},
                    {"address", "深圳市"},
                    {"responsible_person", "张三"}};
  CHECK(w.code_of("unit.register", args, staff("rev1")) == Errc::forbidden);
  CHECK(w.code_of("unit.register", args, system_actor()) == Errc::forbidden);
  CHECK(w.code_of("unit.register", args, {}) == Errc::forbidden);
}

TEST_CASE("unit.register refuses a validity in the past and an unknown category") {
  World w;
  CHECK(w.code_of("unit.register",
                  {{"name", "某局"},
                   {"category", "机关"},
                   {"address", "深圳市"},
                   {"responsible_person", "张三"},
                   {"valid_until", "2020-01-01"}},
                  staff("acc1")) == Errc::invalid_argument);
  CHECK(w.code_of("unit.register",
                  {{"name", "某局"},
                   {"category", "企业"},
                   {"address", "深圳市"},
                   {"responsible_person", "张三"}},
                  staff("acc1")) == Errc::invalid_argument);
}

TEST_CASE("certificate.extend sets a later date or long-term validity") {
  World w;
  const std::string code = w.register_unit("某局", "2027-06-30");
  auto r =
      w.call("certificate.extend", {{"uscc", code}, {"valid_until", "2030-06-30"}}, staff("acc1"));
  CHECK(r.at("certificate").at("valid_until").as_string() == "2030-06-30");
  CHECK(w.code_of("certificate.extend", {{"uscc", code}, {"valid_until", "2028-01-01"}},
                  staff("acc1")) == Errc::invalid_argument);
  r = w.call("certificate.extend", {{"uscc", code}, {"long_term", true}}, staff("acc1"));
  CHECK(r.at("certificate").at("long_term").as_bool());
}

TEST_CASE("certificate.extend is for acceptors of the unit's own authority") {
  World w;
  const std::string code = w.register_unit("某局", "2027-06-30");
  CHECK(w.code_of("certificate.extend", {{"uscc", code}, {"long_term", true}}, staff("gzacc")) ==
        Errc::forbidden);
  CHECK(w.code_of("certificate.extend", {{"uscc", code}, {"long_term", true}}, staff("rev1")) ==
        Errc::forbidden);
}

TEST_CASE("actors that do not exist, are inactive or malformed are refused") {
  World w;
  const std::string code = w.register_unit();
  CHECK(w.code_of("application.start", {{"business", "change"}}, unit("11440300MB0000999X")) ==
        Errc::forbidden);
  CHECK(w.code_of("queue.list", {{"status", "submitted"}}, staff("nobody")) == Errc::forbidden);
  CHECK(w.code_of("queue.list", {{"status", "submitted"}}, {{"password", "abc"}}) ==
        Errc::invalid_argument);
  CHECK(w.code_of("application.view", {{"id", 1}}, {{"session", "abc"}}) == Errc::session_expired);
  // A session is no kind of actor a staff command takes, whatever its token.
  CHECK(w.code_of("queue.list", {{"status", "submitted"}}, {{"session", "abc"}}) ==
        Errc::forbidden);
  CHECK(w.code_of("queue.list", {{"status", "submitted"}}, {{"system", false}}) ==
        Errc::invalid_argument);
  CHECK(w.code_of("queue.list", {{"status", "submitted"}}, {{"staff", "acc1"}, {"unit", code}}) ==
        Errc::invalid_argument);
}

namespace fuma::test {
namespace {

TEST_CASE("store.backup writes an online copy that opens as the same store" *
          doctest::test_suite("sqlite")) {
  World w;
  const std::string uscc = w.register_unit();
  w.submitted_case(uscc);
  const std::string copy = w.dir_file("copy.db");
  const json::object r = w.call("store.backup", {{"path", copy}}, system_actor());
  CHECK(r.at("bytes").to_number<std::uint64_t>() > 0);
  Options o;
  o.path = copy;
  Engine restored(o);
  const json::object history =
      json::parse(
          restored.call(World::envelope("unit.history", {{"uscc", uscc}}, staff("acc1"), {})).json)
          .as_object();
  CHECK(history.at("applications").as_array().size() == 1);
}

TEST_CASE("store.backup overwrites nothing and is for the system only" *
          doctest::test_suite("sqlite")) {
  World w;
  const std::string copy = w.dir_file("copy.db");
  CHECK(w.code_of("store.backup", {{"path", copy}}, staff("admin")) == Errc::forbidden);
  CHECK_FALSE(std::filesystem::exists(copy));
  w.call("store.backup", {{"path", copy}}, system_actor());
  CHECK(w.code_of("store.backup", {{"path", copy}}, system_actor()) == Errc::conflict);
  CHECK(w.code_of("store.backup", {{"path", w.dir_file("no/such/dir/x.db")}}, system_actor()) ==
        Errc::storage);
  CHECK_FALSE(std::filesystem::exists(w.dir_file("no/such/dir/x.db")));
}

TEST_CASE("an engine in memory backs up too") {
  TempDir dir;
  Engine e;
  e.call(
      R"({"command":"authority.create","args":{"code":"sz","name":"深圳","division":"440300"},"actor":{"system":true}})");
  e.call(World::envelope("store.backup", {{"path", dir.file("m.db")}}, system_actor(), {}));
  Options o;
  o.path = dir.file("m.db");
  Engine restored(o);
  // The copy holds the authority: making it again is a conflict.
  try {
    restored.call(
        R"({"command":"authority.create","args":{"code":"sz","name":"深圳","division":"440300"},"actor":{"system":true}})");
    FAIL("the backup lost the authority");
  } catch (const Error& err) {
    CHECK(err.code() == Errc::conflict);
  }
}

}  // namespace
}  // namespace fuma::test
