// SPDX-License-Identifier: Apache-2.0
// A locality's own workflow definition, attachment checklist and holiday
// calendar, loaded
// through Options: the engine follows them instead of the shipped ones, and
// a bad file stops the engine from opening, naming the file and the place.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixtures.hpp"

using namespace fuma::test;
using fuma::Engine;
using fuma::Errc;
using fuma::Options;

namespace {

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(FUMA_SOURCE_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// `text` with `from` replaced once; the test fails if it is not there, so a
// change to the shipped file cannot turn these tests into no-ops.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out);
}

// The shipped workflow with 待受理 called 待审核, and 不予通过 from there
// allowed without a reason.
std::string local_workflow() {
  std::string w = source_file("src/workflow/data/workflow.json");
  w = replaced(w, R"("label": "待受理")", R"("label": "待审核")");
  return replaced(w, R"("to": "rejected",
     "reply": "required")",
                  R"("to": "rejected",
     "reply": "optional")");
}

// The shipped checklist, but a fixed-term 补领 needs only 住所证明.
std::string local_checklist() {
  return replaced(source_file("src/attachments/data/checklists.json"),
                  R"("fixed_term": ["request_letter", "loss_announcement"])",
                  R"("fixed_term": ["address_proof"])");
}

json::object call(Engine& engine, const std::string& command, const json::object& args,
                  const json::object& actor) {
  json::object req{{"command", command}, {"args", args}, {"actor", actor}};
  return json::parse(engine.call(json::serialize(req)).json).as_object();
}

fuma::Error failure(Engine& engine, const std::string& command, const json::object& args,
                    const json::object& actor) {
  try {
    call(engine, command, args, actor);
  } catch (const fuma::Error& e) {
    return e;
  }
  FAIL(command << " succeeded but was expected to fail");
  throw;
}

// The error opening an engine with these options, which must fail.
fuma::Error open_failure(const Options& options) {
  try {
    Engine engine(options);
  } catch (const fuma::Error& e) {
    return e;
  }
  FAIL("the engine opened but was expected to fail");
  throw;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An engine on the locality's files with the Shenzhen authority and an
// acceptor; returns a registered unit's USCC.
std::string staffed(Engine& engine, std::optional<std::string> valid_until) {
  call(engine, "authority.create",
       {{"code", "sz"}, {"name", "深圳市委编办"}, {"division", "440300"}}, system_actor());
  call(engine, "staff.create",
       {{"authority", "sz"}, {"username", "acc"}, {"name", "acc"}, {"roles", {"acceptor"}}},
       system_actor());
  json::object args{{"name", "深圳市某局"},
                    {"category", "机关"},
                    {"address", "深圳市福田区"},
                    {"responsible_person", "张三"}};
  if (valid_until) args["valid_until"] = *valid_until;
  return std::string(call(engine, "unit.register", args, staff("acc")).at("uscc").as_string());
}

std::int64_t started_reissue(Engine& engine, const std::string& code) {
  const std::int64_t id = call(engine, "application.start", {{"business", "reissue"}}, unit(code))
                              .at("application")
                              .at("id")
                              .as_int64();
  call(engine, "application.save", {{"id", id}, {"fields", {{"reason", "证书遗失"}}}}, unit(code));
  return id;
}

}  // namespace

TEST_CASE("Options::set takes workflow_path and checklist_path") {
  Options o;
  o.set("workflow_path", "/srv/fuma/workflow.json");
  o.set("checklist_path", "/srv/fuma/checklists.json");
  CHECK(o.workflow_path == "/srv/fuma/workflow.json");
  CHECK(o.checklist_path == "/srv/fuma/checklists.json");
  o.set("workflow_path", "");
  CHECK(o.workflow_path.empty());
}

TEST_CASE("a locality's workflow labels the statuses and sets the reply rules") {
  TempDir dir;
  Options options;
  options.path = dir.file("fuma.db");
  options.workflow_path = dir.file("workflow.json");
  write(options.workflow_path, local_workflow());
  Engine engine(options);
  const std::string code = staffed(engine, std::nullopt);
  const std::int64_t id = started_reissue(engine, code);
  call(engine, "application.submit", {{"id", id}}, unit(code));

  const json::object a =
      call(engine, "application.view", {{"id", id}}, unit(code)).at("application").as_object();
  CHECK(a.at("status").at("key").as_string() == "submitted");
  CHECK(a.at("status").at("label").as_string() == "待审核");
  bool listed = false;
  for (const auto& p : a.at("progress").as_array()) {
    listed = listed || p.at("label").as_string() == "待审核";
    CHECK(p.at("label").as_string() != "待受理");
  }
  CHECK(listed);
  const json::object queued = call(engine, "queue.list", {{"status", "submitted"}}, staff("acc"))
                                  .at("items")
                                  .at(0)
                                  .as_object();
  CHECK(queued.at("status").at("label").as_string() == "待审核");

  // The shipped workflow requires a reason for 不予通过; this one does not.
  const json::object rejected =
      call(engine, "application.reject", {{"id", id}}, staff("acc")).at("application").as_object();
  CHECK(rejected.at("status").at("key").as_string() == "rejected");
}

TEST_CASE("a locality's workflow decides which role takes a step, not the declaration") {
  TempDir dir;
  Options options;
  options.path = dir.file("fuma.db");
  options.workflow_path = dir.file("workflow.json");
  // Here reviewers accept: application.accept is declared for acceptors,
  // as the shipped workflow has it.
  write(options.workflow_path, replaced(source_file("src/workflow/data/workflow.json"),
                                        R"("action": "accept", "role": "acceptor")",
                                        R"("action": "accept", "role": "reviewer")"));
  Engine engine(options);
  const std::string code = staffed(engine, std::nullopt);
  call(engine, "staff.create",
       {{"authority", "sz"}, {"username", "rev"}, {"name", "rev"}, {"roles", {"reviewer"}}},
       system_actor());
  const std::int64_t id = started_reissue(engine, code);
  call(engine, "application.submit", {{"id", id}}, unit(code));
  CHECK(failure(engine, "application.accept", {{"id", id}}, staff("acc")).code() ==
        Errc::forbidden);
  const json::object accepted =
      call(engine, "application.accept", {{"id", id}}, staff("rev")).at("application").as_object();
  CHECK(accepted.at("status").at("key").as_string() == "accepted");
}

TEST_CASE("a locality's checklist decides which attachments are missing") {
  TempDir dir;
  Options options;
  options.path = dir.file("fuma.db");
  options.checklist_path = dir.file("checklists.json");
  write(options.checklist_path, local_checklist());
  Engine engine(options);
  const std::string code = staffed(engine, "2027-12-31");
  const std::int64_t id = started_reissue(engine, code);

  const fuma::Error e = failure(engine, "application.submit", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::missing_attachments);
  REQUIRE(e.problems().size() == 1);
  CHECK(e.problems()[0].kind == "address_proof");
  CHECK(e.problems()[0].label == "住所证明");

  const json::object rules = call(engine, "attachment.rules", {{"id", id}}, unit(code));
  REQUIRE(rules.at("required").as_array().size() == 1);
  CHECK(rules.at("required").at(0).at("key").as_string() == "address_proof");
}

TEST_CASE("an invalid workflow file stops the engine, naming the file and the place") {
  TempDir dir;
  Options options;
  options.path = dir.file("fuma.db");
  options.workflow_path = dir.file("our-workflow.json");
  write(options.workflow_path,
        replaced(local_workflow(), R"("role": "reviewer")", R"("role": "clerk")"));
  const fuma::Error e = open_failure(options);
  CHECK(e.code() == Errc::invalid_argument);
  INFO(e.detail());
  CHECK(contains(e.detail(), options.workflow_path));
  CHECK(contains(e.detail(), "transitions["));
  CHECK(contains(e.detail(), "clerk"));
  // Checked before the store opens: no database is left behind.
  CHECK_FALSE(std::filesystem::exists(options.path));
}

TEST_CASE("an invalid checklist file stops the engine, naming the file") {
  TempDir dir;
  Options options;
  options.checklist_path = dir.file("checklists.json");
  write(options.checklist_path,
        replaced(local_checklist(), R"("address_proof"])", R"("no_such_kind"])"));
  const fuma::Error e = open_failure(options);
  CHECK(e.code() == Errc::invalid_argument);
  INFO(e.detail());
  CHECK(contains(e.detail(), options.checklist_path));
  CHECK(contains(e.detail(), "no_such_kind"));
}

TEST_CASE("a missing, unreadable or oversized file fails clearly") {
  TempDir dir;
  SUBCASE("missing workflow") {
    Options options;
    options.workflow_path = dir.file("absent.json");
    const fuma::Error e = open_failure(options);
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(contains(e.detail(), "workflow_path"));
    CHECK(contains(e.detail(), options.workflow_path));
    CHECK(says(e, "无法读取"));
  }
  SUBCASE("a directory as checklist") {
    Options options;
    options.checklist_path = dir.path().string();
    const fuma::Error e = open_failure(options);
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(contains(e.detail(), "checklist_path"));
    CHECK(says(e, "无法读取"));
  }
  SUBCASE("over 1 MiB") {
    Options options;
    options.workflow_path = dir.file("huge.json");
    write(options.workflow_path, std::string((1u << 20) + 1, ' '));
    const fuma::Error e = open_failure(options);
    CHECK(e.code() == Errc::invalid_argument);
    CHECK(contains(e.detail(), "larger than"));
    CHECK(contains(e.detail(), options.workflow_path));
  }
}

// --- what a locality adds works, or the engine does not open ---------------------

namespace {

// An engine on `workflow`; fails the test if it does not open.
std::unique_ptr<Engine> engine_on(TempDir& dir, const std::string& workflow) {
  Options options;
  options.path = dir.file("fuma.db");
  options.workflow_path = dir.file("workflow.json");
  write(options.workflow_path, workflow);
  return std::make_unique<Engine>(options);
}

fuma::Error refused_workflow(TempDir& dir, const std::string& workflow) {
  Options options;
  options.path = dir.file("fuma.db");
  options.workflow_path = dir.file("our-workflow.json");
  write(options.workflow_path, workflow);
  const fuma::Error e = open_failure(options);
  CHECK(e.code() == Errc::invalid_argument);
  CHECK(contains(e.detail(), options.workflow_path));
  CHECK_FALSE(std::filesystem::exists(options.path));
  return e;
}

}  // namespace

TEST_CASE("a locality's new online business is started, saved and submitted as its entry says") {
  TempDir dir;
  const std::string workflow = replaced(
      source_file("src/workflow/data/workflow.json"),
      R"({"key": "extension", "label": "证书延期", "online": false, "form": "application"})",
      R"({"key": "extension", "label": "证书延期", "online": false, "form": "application"},
    {"key": "loss", "label": "遗失补发", "online": true, "form": "application",
     "entry": "reason", "on_complete": "new_certificate"})");
  auto engine = engine_on(dir, workflow);
  const std::string code = staffed(*engine, std::nullopt);
  const std::int64_t id = call(*engine, "application.start", {{"business", "loss"}}, unit(code))
                              .at("application")
                              .at("id")
                              .as_int64();
  call(*engine, "application.save", {{"id", id}, {"fields", {{"reason", "证书遗失"}}}}, unit(code));
  const json::object a =
      call(*engine, "application.submit", {{"id", id}}, unit(code)).at("application").as_object();
  CHECK(a.at("business").at("label").as_string() == "遗失补发");
  CHECK(a.at("status").at("key").as_string() == "submitted");
  CHECK(a.at("fields").at("reason").as_string() == "证书遗失");
}

TEST_CASE("a locality's business without an entry form the engine knows stops the engine") {
  TempDir dir;
  const fuma::Error e = refused_workflow(
      dir, replaced(source_file("src/workflow/data/workflow.json"),
                    R"({"key": "extension", "label": "证书延期", "online": false,)",
                    R"({"key": "extension", "label": "证书延期", "online": true,)"));
  INFO(e.detail());
  CHECK(contains(e.detail(), "businesses[3]: online business 'extension' has no entry form"));
}

TEST_CASE("a locality's action that no command takes stops the engine") {
  TempDir dir;
  const fuma::Error e =
      refused_workflow(dir, replaced(source_file("src/workflow/data/workflow.json"),
                                     R"("action": "notify")", R"("action": "inform")"));
  INFO(e.detail());
  CHECK(contains(e.detail(), "transitions[10].action: no command takes the action 'inform'"));
  CHECK(says(e, "transitions[10].action"));
}

TEST_CASE("a locality's form key that names no case form template stops the engine") {
  TempDir dir;
  const fuma::Error e = refused_workflow(
      dir,
      replaced(source_file("src/workflow/data/workflow.json"),
               R"("key": "reissue", "label": "申请补领", "online": true, "form": "application")",
               R"("key": "reissue", "label": "申请补领", "online": true, "form": "reissue")"));
  INFO(e.detail());
  CHECK(contains(e.detail(), "businesses[2].form: no form template 'reissue' for a case"));
}

TEST_CASE("the case page offers a validating step under application.submit, whatever its name") {
  TempDir dir;
  std::string workflow = source_file("src/workflow/data/workflow.json");
  workflow = replaced(workflow, R"("action": "submit")", R"("action": "send")");
  workflow = replaced(workflow, R"("action": "submit")", R"("action": "send")");
  auto engine = engine_on(dir, workflow);
  const std::string code = staffed(*engine, std::nullopt);
  const std::int64_t id = started_reissue(*engine, code);
  const json::object a =
      call(*engine, "application.view", {{"id", id}}, unit(code)).at("application").as_object();
  bool offered = false;
  for (const auto& action : a.at("actions").as_array()) {
    if (action.at("action").as_string() != "send") continue;
    offered = true;
    CHECK(action.at("command").as_string() == "application.submit");
  }
  CHECK(offered);
  const json::object sent =
      call(*engine, "application.submit", {{"id", id}}, unit(code)).at("application").as_object();
  CHECK(sent.at("status").at("key").as_string() == "submitted");
}

TEST_CASE("the form is the one to sign after whichever step the workflow marks as approving") {
  TempDir dir;
  // A one-review flow: 受理 approves the form.
  auto engine = engine_on(dir, replaced(source_file("src/workflow/data/workflow.json"),
                                        R"("to": "accepted",
     "reply": "optional", "reply_to": "unit", "description": "受理"})",
                                        R"("to": "accepted",
     "reply": "optional", "reply_to": "unit", "approves": true, "description": "受理"})"));
  const std::string code = staffed(*engine, std::nullopt);
  const std::int64_t id = started_reissue(*engine, code);
  call(*engine, "application.submit", {{"id", id}}, unit(code));
  auto for_signing = [&] {
    json::object req{
        {"command", "application.form"}, {"args", {{"id", id}}}, {"actor", unit(code)}};
    return json::parse(engine->call(json::serialize(req)).json).at("for_signing").as_bool();
  };
  CHECK_FALSE(for_signing());
  call(*engine, "application.accept", {{"id", id}}, staff("acc"));
  CHECK(for_signing());
}

TEST_CASE("a business the checklists list with no per-item lists may take change items") {
  TempDir dir;
  auto engine =
      engine_on(dir, replaced(source_file("src/workflow/data/workflow.json"),
                              R"("entry": "reason", "on_complete": "new_certificate",
     "outcome": "已补发新证书，原证书作废。",
     "next_steps": "请按回复信息到赋码机关（或相应的政务服务窗口单位）领取新证书；找到的原证书应交回。",
     "description": "办结时换发新证书，原证书作废"},
    {"key": "extension")",
                              R"("entry": "change_items", "on_complete": "change_records"},
    {"key": "extension")"));
  const std::string code = staffed(*engine, "2027-12-31");
  const std::int64_t id = call(*engine, "application.start", {{"business", "reissue"}}, unit(code))
                              .at("application")
                              .at("id")
                              .as_int64();
  call(*engine, "application.save",
       {{"id", id}, {"fields", {{"items", {{{"item", "address"}, {"new", "深圳市南山区"}}}}}}},
       unit(code));
  // The checklist of 补领 has no per-item lists: the items ask for nothing
  // more than its own list.
  const fuma::Error e = failure(*engine, "application.submit", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::missing_attachments);
  const json::object rules = call(*engine, "attachment.rules", {{"id", id}}, unit(code));
  CHECK(rules.at("required").as_array().size() == 2);
}

TEST_CASE("a locality's new business has the checklist its checklist file gives it") {
  TempDir dir;
  Options options;
  options.path = dir.file("fuma.db");
  options.workflow_path = dir.file("workflow.json");
  options.checklist_path = dir.file("checklists.json");
  write(options.workflow_path,
        replaced(
            source_file("src/workflow/data/workflow.json"),
            R"({"key": "extension", "label": "证书延期", "online": false, "form": "application"})",
            R"({"key": "extension", "label": "证书延期", "online": false, "form": "application"},
    {"key": "loss", "label": "遗失补发", "online": true, "form": "application",
     "entry": "reason", "on_complete": "new_certificate"})"));
  write(options.checklist_path,
        replaced(source_file("src/attachments/data/checklists.json"), R"("reissue": {)",
                 R"("loss": {"fixed_term": ["address_proof"]},
    "reissue": {)"));
  Engine engine(options);
  const std::string code = staffed(engine, "2027-12-31");
  const std::int64_t id = call(engine, "application.start", {{"business", "loss"}}, unit(code))
                              .at("application")
                              .at("id")
                              .as_int64();
  call(engine, "application.save", {{"id", id}, {"fields", {{"reason", "证书遗失"}}}}, unit(code));
  const fuma::Error e = failure(engine, "application.submit", {{"id", id}}, unit(code));
  CHECK(e.code() == Errc::missing_attachments);
  REQUIRE(e.problems().size() == 1);
  CHECK(e.problems()[0].kind == "address_proof");
}

// --- the holiday calendar -------------------------------------------------------

namespace {

// A locality's calendar file adding a year the shipped one does not cover.
// The days are this test's own, not an official arrangement.
constexpr const char* kLocalHolidays = R"({"version": 1, "years": [
  {"year": 2027,
   "source": {"title": "某市人民政府办公厅关于节假日安排的通知", "date": "2026-12-01"},
   "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
   "working_days": [{"date": "2027-01-09", "for": "元旦"}]}]})";

}  // namespace

TEST_CASE("a due date counted into a year the calendar does not cover says so") {
  World w;
  const std::string code = w.register_unit();
  w.advance(std::chrono::hours(38 * 24));  // Thursday 31 December 2026
  const auto id = w.submitted_case(code);  // 待受理: 2 working days
  const json::object a = w.view(id, staff("acc1"));
  CHECK(a.at("due").as_string() == "2027-01-04");  // Friday and Monday, as Monday to Friday
  CHECK(a.at("due_warning").as_string() == "2027年的节假日安排未载入，办理时限按周一至周五计算");
  const json::object q = w.call("queue.list", {{"status", "submitted"}}, staff("acc1"));
  CHECK(q.at("items").at(0).at("due_warning") == a.at("due_warning"));
}

TEST_CASE("a due date in a covered year carries no warning") {
  World w;
  const std::string code = w.register_unit();
  const auto id = w.submitted_case(code);
  CHECK_FALSE(w.view(id, staff("acc1")).contains("due_warning"));
}

TEST_CASE("a locality's holidays_path adds a year that due dates then count on") {
  TempDir dir;
  const std::string file = dir.file("holidays.json");
  write(file, kLocalHolidays);
  World w([&](Options& o) { o.set("holidays_path", file); });
  const std::string code = w.register_unit();
  w.advance(std::chrono::hours(38 * 24));  // Thursday 31 December 2026
  const auto id = w.submitted_case(code);
  const json::object a = w.view(id, staff("acc1"));
  // 1 to 3 January off: Monday 4th and Tuesday 5th.
  CHECK(a.at("due").as_string() == "2027-01-05");
  CHECK_FALSE(a.contains("due_warning"));
}

TEST_CASE("an invalid holidays file stops the engine, naming the file and the place") {
  TempDir dir;
  Options options;
  options.path = dir.file("fuma.db");
  options.holidays_path = dir.file("our-holidays.json");
  write(options.holidays_path, replaced(kLocalHolidays, "2027-01-09", "2027-01-02"));
  const fuma::Error e = open_failure(options);
  CHECK(e.code() == Errc::invalid_argument);
  INFO(e.detail());
  CHECK(contains(e.detail(), options.holidays_path));
  CHECK(contains(e.detail(), "years[0].working_days[0].date"));
  CHECK(contains(e.message(), "节假日安排文件有误"));
  CHECK_FALSE(std::filesystem::exists(options.path));
}

namespace {

// What `f` writes to stderr (file descriptor 2), by pointing it at a file
// for the time `f` runs.
template <class F>
std::string stderr_of(F&& f) {
  TempDir dir;
  const std::string file = dir.file("stderr");
  std::fflush(stderr);
  const int saved = ::dup(2);
  REQUIRE(saved >= 0);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  ::dup2(fd, 2);
  ::close(fd);
  f();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("an engine opened in a year the calendar does not cover warns on stderr") {
  TempDir dir;
  Options options;
  options.path = dir.file("fuma.db");
  // 10:00 in Beijing on Monday 4 January 2027.
  const auto in_2027 = std::chrono::system_clock::time_point(std::chrono::seconds(1'799'028'000));
  options.clock = [in_2027] { return in_2027; };
  const std::string said = stderr_of([&] { Engine engine(options); });
  CHECK(contains(said, "fuma: WARNING: the holiday calendar does not cover 2027"));

  TempDir covered;
  options.path = covered.file("fuma.db");
  const auto in_2026 = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'000'000));
  options.clock = [in_2026] { return in_2026; };
  CHECK_FALSE(contains(stderr_of([&] { Engine engine(options); }), "holiday calendar"));
}
