// SPDX-License-Identifier: Apache-2.0
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fuma/error.hpp"
#include "fuma/workflow.hpp"

namespace json = boost::json;
using fuma::workflow::Definition;
using fuma::workflow::Reply;
using fuma::workflow::Role;

namespace {

// A locality's own, smallest sensible flow: save and submit, then either
// complete (which approves the form) or send back. Every refusal test below breaks exactly one
// thing in it.
constexpr const char* kMinimal = R"({
  "version": 1,
  "businesses": [{"key": "change", "label": "申请变更", "online": true, "form": "change"}],
  "statuses": [
    {"key": "draft", "label": "未提交", "initial": true, "editable": true, "deletable": true},
    {"key": "submitted", "label": "待受理", "time_limit_days": 3},
    {"key": "completed", "label": "已办结", "final": true}
  ],
  "transitions": [
    {"from": "draft", "action": "submit", "role": "applicant", "to": "submitted",
     "reply": "none", "validates": true},
    {"from": "submitted", "action": "reject", "role": "acceptor", "to": "draft",
     "reply": "required"},
    {"from": "submitted", "action": "complete", "role": "acceptor", "to": "completed",
     "reply": "optional", "approves": true},
    {"from": "draft", "action": "save", "role": "applicant", "to": "draft", "reply": "none"}
  ]
})";

json::value minimal() { return json::parse(kMinimal); }

json::object& item(json::value& doc, const char* list, std::size_t index) {
  return doc.as_object()[list].as_array()[index].as_object();
}

json::array& list(json::value& doc, const char* name) { return doc.as_object()[name].as_array(); }

struct Refusal {
  bool thrown = false;
  fuma::Errc code = fuma::Errc::internal;
  std::string detail;
  std::string message;
};

Refusal refusal(const std::string& text) {
  Refusal r;
  try {
    Definition::parse(text, "test.json");
  } catch (const fuma::Error& e) {
    r = Refusal{true, e.code(), e.detail(), e.message()};
  }
  return r;
}

Refusal refusal(const json::value& doc) { return refusal(json::serialize(doc)); }

// The detail, after checking that the definition was refused as invalid.
std::string refused(const json::value& doc) {
  const Refusal r = refusal(doc);
  REQUIRE(r.thrown);
  CHECK(r.code == fuma::Errc::invalid_argument);
  return r.detail;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

// --- the shipped definition -------------------------------------------------

TEST_CASE("the standard definition lists the manual's six businesses in its order") {
  const auto& b = Definition::standard().businesses();
  REQUIRE(b.size() == 6);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"initial", "申请初领"},   {"change", "申请变更"},  {"reissue", "申请补领"},
      {"extension", "证书延期"}, {"replace", "申请换领"}, {"revoke", "申请撤销"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(b[i].key == expected[i].first);
    CHECK(b[i].label == expected[i].second);
  }
}

TEST_CASE("initial and extension are on site only; the other businesses are online") {
  const Definition& d = Definition::standard();
  CHECK_FALSE(d.business("initial")->online);
  CHECK_FALSE(d.business("extension")->online);
  for (const char* key : {"change", "reissue", "replace", "revoke"}) {
    CAPTURE(key);
    CHECK(d.business(key)->online);
  }
}

TEST_CASE("change uses the change form and every other business the application form") {
  for (const auto& b : Definition::standard().businesses()) {
    CAPTURE(b.key);
    CHECK(b.form == (b.key == "change" ? "change" : "application"));
  }
}

TEST_CASE("each online business names its entry form and what completing it does") {
  using fuma::workflow::Completion;
  using fuma::workflow::Entry;
  const Definition& d = Definition::standard();
  CHECK(d.business("change")->entry == Entry::change_items);
  CHECK(d.business("change")->completion == Completion::change_records);
  for (const char* key : {"reissue", "replace"}) {
    CAPTURE(key);
    CHECK(d.business(key)->entry == Entry::reason);
    CHECK(d.business(key)->completion == Completion::new_certificate);
  }
  CHECK(d.business("revoke")->entry == Entry::reason);
  CHECK(d.business("revoke")->completion == Completion::revoke_unit);
  for (const char* key : {"initial", "extension"}) {
    CAPTURE(key);
    CHECK(d.business(key)->entry == Entry::none);
    CHECK(d.business(key)->completion == Completion::none);
  }
}

TEST_CASE("复核通过 is the one step that approves the form for signing") {
  const Definition& d = Definition::standard();
  for (const auto& t : d.transitions()) {
    CAPTURE(t.action);
    CHECK(t.approves == (t.action == "approve"));
  }
  CHECK(d.approving("approve"));
  CHECK_FALSE(d.approving("accept"));
}

TEST_CASE("the standard definition has the eight statuses of 办理进度 with the manual's labels") {
  const auto& s = Definition::standard().statuses();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"draft", "未提交"},    {"submitted", "待受理"},  {"rejected", "未通过"},
      {"accepted", "待复核"}, {"returned", "复核退回"}, {"approved", "待通知"},
      {"notified", "待打印"}, {"completed", "已办结"}};
  REQUIRE(s.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(s[i].key == expected[i].first);
    CHECK(s[i].label == expected[i].second);
  }
}

TEST_CASE("only 未提交 and 未通过 are editable and deletable; 未提交 is initial, 已办结 final") {
  const Definition& d = Definition::standard();
  CHECK(d.initial().key == "draft");
  for (const auto& s : d.statuses()) {
    CAPTURE(s.key);
    const bool applicants_turn = s.key == "draft" || s.key == "rejected";
    CHECK(s.editable == applicants_turn);
    CHECK(s.deletable == applicants_turn);
    CHECK(s.initial == (s.key == "draft"));
    CHECK(s.final == (s.key == "completed"));
  }
}

TEST_CASE("every status where the authority acts has a time limit, and no other") {
  for (const auto& s : Definition::standard().statuses()) {
    CAPTURE(s.key);
    const bool authoritys_turn = !s.final && s.key != "draft" && s.key != "rejected";
    CHECK(s.time_limit_days.has_value() == authoritys_turn);
    if (s.time_limit_days) CHECK(*s.time_limit_days > 0);
  }
}

TEST_CASE("the standard transitions are exactly the design's table") {
  struct Row {
    const char* from;
    const char* action;
    Role role;
    const char* to;
    Reply reply;
    bool validates;
  };
  const std::vector<Row> table = {
      {"draft", "save", Role::applicant, "draft", Reply::none, false},
      {"draft", "submit", Role::applicant, "submitted", Reply::none, true},
      {"submitted", "accept", Role::acceptor, "accepted", Reply::optional, false},
      {"submitted", "reject", Role::acceptor, "rejected", Reply::required, false},
      {"rejected", "save", Role::applicant, "rejected", Reply::none, false},
      {"rejected", "submit", Role::applicant, "submitted", Reply::none, true},
      {"accepted", "approve", Role::reviewer, "approved", Reply::optional, false},
      {"accepted", "return", Role::reviewer, "returned", Reply::required, false},
      {"returned", "forward", Role::acceptor, "accepted", Reply::optional, false},
      {"returned", "reject", Role::acceptor, "rejected", Reply::required, false},
      {"approved", "notify", Role::acceptor, "notified", Reply::required, false},
      {"notified", "complete", Role::acceptor, "completed", Reply::optional, false},
  };
  const auto& t = Definition::standard().transitions();
  REQUIRE(t.size() == table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    CAPTURE(i);
    CHECK(t[i].from == table[i].from);
    CHECK(t[i].action == table[i].action);
    CHECK(t[i].role == table[i].role);
    CHECK(t[i].to == table[i].to);
    CHECK(t[i].reply == table[i].reply);
    CHECK(t[i].validates == table[i].validates);
  }
}

TEST_CASE("approve needs a reviewer other than whoever accepted or forwarded the case") {
  const Definition& d = Definition::standard();
  const auto* approve = d.transition("accepted", "approve");
  REQUIRE(approve);
  CHECK(approve->distinct_from == std::vector<std::string>{"accept", "forward"});
  for (const auto& t : d.transitions()) {
    if (&t != approve) CHECK(t.distinct_from.empty());
  }
}

TEST_CASE("transition looks up one step and transitions_from lists a status's steps in order") {
  const Definition& d = Definition::standard();
  CHECK(d.transition("returned", "reject")->to == "rejected");
  CHECK(d.transition("draft", "approve") == nullptr);
  CHECK(d.transition("nowhere", "submit") == nullptr);
  const auto out = d.transitions_from("submitted");
  REQUIRE(out.size() == 2);
  CHECK(out[0]->action == "accept");
  CHECK(out[1]->action == "reject");
  CHECK(d.transitions_from("completed").empty());
  CHECK(d.status("unknown") == nullptr);
  CHECK(d.business("unknown") == nullptr);
}

TEST_CASE("the standard definition is one shared object, also when first used from many threads") {
  std::vector<const Definition*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] { seen[i] = &Definition::standard(); });
  }
  for (auto& t : threads) t.join();
  for (const Definition* d : seen) CHECK(d == &Definition::standard());
}

TEST_CASE("role names round-trip and an unknown role name is refused") {
  for (Role r : {Role::applicant, Role::acceptor, Role::reviewer, Role::admin}) {
    CHECK(fuma::workflow::parse_role(fuma::workflow::role_name(r)) == r);
  }
  CHECK(fuma::workflow::role_name(Role::reviewer) == "reviewer");
  CHECK_FALSE(fuma::workflow::parse_role("clerk"));
  CHECK_FALSE(fuma::workflow::parse_role("Reviewer"));
}

// --- a locality's own definition --------------------------------------------

TEST_CASE("a locality's minimal definition parses and is used as written") {
  const Definition d = Definition::parse(kMinimal, "shenzhen.json");
  REQUIRE(d.businesses().size() == 1);
  CHECK(d.business("change")->label == "申请变更");
  CHECK(d.business("revoke") == nullptr);
  CHECK(d.statuses().size() == 3);
  CHECK(d.initial().key == "draft");
  CHECK(d.status("submitted")->time_limit_days == 3);
  const auto* reject = d.transition("submitted", "reject");
  REQUIRE(reject);
  CHECK(reject->to == "draft");
  CHECK(reject->reply == Reply::required);
  CHECK(d.transition("draft", "submit")->validates);
  CHECK(d.transition("submitted", "accept") == nullptr);
}

TEST_CASE("a description field documents any part of a definition without changing it") {
  json::value doc = minimal();
  doc.as_object()["description"] = "某市的业务流程";
  item(doc, "businesses", 0)["description"] = "线上办理";
  item(doc, "statuses", 1)["description"] = "3个工作日内受理";
  item(doc, "transitions", 1)["description"] = "不予通过";
  const Definition d = Definition::parse(json::serialize(doc), "test.json");
  CHECK(d.transitions().size() == 4);
}

// --- refusals: every defect is named by its place ---------------------------

TEST_CASE("a refusal names the source and location in the detail and the location in Chinese") {
  json::value doc = minimal();
  item(doc, "transitions", 1)["role"] = "clerk";
  const Refusal r = refusal(doc);
  REQUIRE(r.thrown);
  CHECK(r.code == fuma::Errc::invalid_argument);
  CHECK(contains(r.detail, "test.json: transitions[1].role: unknown role 'clerk'"));
  CHECK(r.message == "业务流程定义有误：transitions[1].role");
}

TEST_CASE("a transition to an unknown status is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 1)["to"] = "drafts";
  CHECK(refused(doc) == "test.json: transitions[1].to: unknown status 'drafts'");
}

TEST_CASE("a transition from an unknown status is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 2)["from"] = "sumbitted";
  CHECK(refused(doc) == "test.json: transitions[2].from: unknown status 'sumbitted'");
}

TEST_CASE("a status that cannot be reached from the initial one is refused") {
  json::value doc = minimal();
  list(doc, "statuses").push_back(json::parse(R"({"key": "orphan", "label": "孤立"})"));
  list(doc, "transitions")
      .push_back(json::parse(
          R"({"from": "orphan", "action": "complete", "role": "acceptor", "to": "completed",
              "reply": "none"})"));
  CHECK(refused(doc) ==
        "test.json: statuses[3]: status 'orphan' cannot be reached from the initial status "
        "'draft'");
}

TEST_CASE("a transition without a role is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 0).erase("role");
  CHECK(contains(refused(doc), "test.json: transitions[0].role: required field is missing"));
}

TEST_CASE("a transition without a reply rule is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 2).erase("reply");
  CHECK(contains(refused(doc), "test.json: transitions[2].reply: required field is missing"));
}

TEST_CASE("a reply rule other than none, optional or required is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 2)["reply"] = "maybe";
  CHECK(contains(refused(doc), "test.json: transitions[2].reply: unknown reply rule 'maybe'"));
}

TEST_CASE("the same action twice from one status is refused") {
  json::value doc = minimal();
  list(doc, "transitions")
      .push_back(json::parse(
          R"({"from": "submitted", "action": "reject", "role": "acceptor", "to": "completed",
              "reply": "required"})"));
  CHECK(refused(doc) ==
        "test.json: transitions[4].action: action 'reject' from 'submitted' is already defined "
        "by transitions[1]");
}

TEST_CASE("the same action from different statuses is allowed") {
  json::value doc = minimal();
  list(doc, "transitions")
      .push_back(json::parse(
          R"({"from": "draft", "action": "complete", "role": "acceptor", "to": "completed",
              "reply": "none"})"));
  CHECK(Definition::parse(json::serialize(doc), "test.json").transitions().size() == 5);
}

TEST_CASE("two initial statuses are refused") {
  json::value doc = minimal();
  item(doc, "statuses", 1)["initial"] = true;
  CHECK(refused(doc) ==
        "test.json: statuses[1].initial: a second initial status; statuses[0] is already "
        "initial");
}

TEST_CASE("a definition without an initial status is refused") {
  json::value doc = minimal();
  item(doc, "statuses", 0).erase("initial");
  CHECK(refused(doc) == "test.json: statuses: no status is marked initial");
}

TEST_CASE("a definition without a final status is refused") {
  json::value doc = minimal();
  item(doc, "statuses", 2)["final"] = false;
  CHECK(contains(refused(doc), "test.json: statuses: no status is marked final"));
}

TEST_CASE("a transition out of a final status is refused") {
  json::value doc = minimal();
  list(doc, "transitions")
      .push_back(json::parse(
          R"({"from": "completed", "action": "reopen", "role": "admin", "to": "draft",
              "reply": "required"})"));
  CHECK(contains(refused(doc), "test.json: transitions[4].from: status 'completed' is final"));
}

TEST_CASE("a final status that is editable or deletable is refused") {
  json::value doc = minimal();
  item(doc, "statuses", 2)["deletable"] = true;
  CHECK(refused(doc) == "test.json: statuses[2].deletable: a final status cannot be deletable");
}

TEST_CASE("a non-final status with no transition out is refused") {
  json::value doc = minimal();
  list(doc, "statuses").push_back(json::parse(R"({"key": "waiting", "label": "等待"})"));
  list(doc, "transitions")
      .push_back(json::parse(
          R"({"from": "submitted", "action": "hold", "role": "acceptor", "to": "waiting",
              "reply": "optional"})"));
  CHECK(refused(doc) ==
        "test.json: statuses[3]: status 'waiting' is not final but has no transition out");
}

TEST_CASE("a non-final status whose only ways out never reach a final status is refused") {
  json::value doc = minimal();
  list(doc, "statuses").push_back(json::parse(R"({"key": "limbo", "label": "搁置"})"));
  list(doc, "transitions")
      .push_back(json::parse(
          R"({"from": "submitted", "action": "hold", "role": "acceptor", "to": "limbo",
              "reply": "optional"})"));
  list(doc, "transitions")
      .push_back(json::parse(
          R"({"from": "limbo", "action": "save", "role": "acceptor", "to": "limbo",
              "reply": "none"})"));
  CHECK(refused(doc) ==
        "test.json: statuses[3]: status 'limbo' is not final and no final status can be "
        "reached from it");
}

TEST_CASE("an unknown field is refused, not ignored") {
  json::value doc = minimal();
  item(doc, "statuses", 1)["time_limit"] = 3;
  CHECK(contains(refused(doc), "test.json: statuses[1].time_limit: unknown field"));
}

TEST_CASE("an unknown top-level field is refused") {
  json::value doc = minimal();
  doc.as_object()["transition"] = json::array();
  CHECK(contains(refused(doc), "test.json: transition: unknown field"));
}

TEST_CASE("a field written twice in one object is refused") {
  std::string text = json::serialize(minimal());
  const std::string once = R"("reply":"required")";
  const auto at = text.find(once);
  REQUIRE(at != std::string::npos);
  text.insert(at, R"("reply":"none",)");
  const Refusal r = refusal(text);
  REQUIRE(r.thrown);
  CHECK(r.detail == "test.json: transitions[1].reply: the field appears more than once");
}

TEST_CASE("a value of the wrong JSON type is refused, naming the type found") {
  json::value doc = minimal();
  item(doc, "statuses", 0)["editable"] = "yes";
  CHECK(refused(doc) == "test.json: statuses[0].editable: expected true or false, found a string");
}

TEST_CASE("a list that is not an array is refused") {
  json::value doc = minimal();
  doc.as_object()["transitions"] = json::object();
  CHECK(refused(doc) == "test.json: transitions: expected an array, found an object");
}

TEST_CASE("a document that is not an object is refused") {
  const Refusal r = refusal(std::string("[]"));
  REQUIRE(r.thrown);
  CHECK(r.detail == "test.json: expected an object, found an array");
}

TEST_CASE("malformed JSON is refused with its line and column") {
  const Refusal r = refusal(std::string("{\n  \"version\": 1,,\n}"));
  REQUIRE(r.thrown);
  CHECK(r.code == fuma::Errc::invalid_argument);
  CHECK(contains(r.detail, "test.json: line 2, column 16: malformed JSON"));
  CHECK(r.message == "业务流程定义有误：test.json 第2行第16列");
}

TEST_CASE("an empty text is refused as malformed JSON") {
  const Refusal r = refusal(std::string());
  REQUIRE(r.thrown);
  CHECK(contains(r.detail, "test.json: line 1, column 1: malformed JSON"));
}

TEST_CASE("a four-eyes rule naming an unknown action is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 2)["distinct_from"] = json::array{"submit", "acept"};
  CHECK(refused(doc) == "test.json: transitions[2].distinct_from[1]: unknown action 'acept'");
}

TEST_CASE("a four-eyes rule may name an action defined further down") {
  json::value doc = minimal();
  item(doc, "transitions", 0)["distinct_from"] = json::array{"complete"};
  const Definition d = Definition::parse(json::serialize(doc), "test.json");
  CHECK(d.transition("draft", "submit")->distinct_from == std::vector<std::string>{"complete"});
}

TEST_CASE("a time limit of zero days is refused") {
  json::value doc = minimal();
  item(doc, "statuses", 1)["time_limit_days"] = 0;
  CHECK(contains(refused(doc), "test.json: statuses[1].time_limit_days: must be between 1 and"));
}

TEST_CASE("a time limit that is not a whole number is refused") {
  json::value doc = minimal();
  item(doc, "statuses", 1)["time_limit_days"] = 2.5;
  CHECK(contains(refused(doc),
                 "test.json: statuses[1].time_limit_days: expected a whole number of working "
                 "days, found a number"));
}

TEST_CASE("a business key defined twice is refused") {
  json::value doc = minimal();
  list(doc, "businesses")
      .push_back(json::parse(
          R"({"key": "change", "label": "申请变更", "online": true, "form": "change"})"));
  CHECK(refused(doc) ==
        "test.json: businesses[1].key: business 'change' is already defined by businesses[0]");
}

TEST_CASE("a business with an empty label is refused") {
  json::value doc = minimal();
  item(doc, "businesses", 0)["label"] = "";
  CHECK(refused(doc) == "test.json: businesses[0].label: must not be empty");
}

TEST_CASE("a business that does not say whether it is online is refused") {
  json::value doc = minimal();
  item(doc, "businesses", 0).erase("online");
  CHECK(contains(refused(doc), "test.json: businesses[0].online: required field is missing"));
}

TEST_CASE("a status key defined twice is refused") {
  json::value doc = minimal();
  item(doc, "statuses", 2)["key"] = "submitted";
  CHECK(refused(doc) ==
        "test.json: statuses[2].key: status 'submitted' is already defined by statuses[1]");
}

TEST_CASE("a key that is not lower-case letters, digits and underscores is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 1)["action"] = "Reject";
  CHECK(contains(refused(doc), "test.json: transitions[1].action: 'Reject' is not a key"));
}

TEST_CASE("a definition of another version is refused") {
  json::value doc = minimal();
  doc.as_object()["version"] = 2;
  CHECK(contains(refused(doc), "test.json: version: unsupported version 2"));
}

// --- what the engine does with a business and a step ------------------------

TEST_CASE("a version 1 file without entry, on_complete and approves keeps the shipped meaning") {
  using fuma::workflow::Completion;
  using fuma::workflow::Entry;
  json::value doc = minimal();
  item(doc, "transitions", 2).erase("approves");
  item(doc, "transitions", 2)["action"] = "approve";
  list(doc, "businesses")
      .push_back(json::parse(
          R"({"key": "revoke", "label": "申请撤销", "online": true, "form": "application"})"));
  const Definition d = Definition::parse(json::serialize(doc), "test.json");
  CHECK(d.business("change")->entry == Entry::change_items);
  CHECK(d.business("change")->completion == Completion::change_records);
  CHECK(d.business("revoke")->entry == Entry::reason);
  CHECK(d.business("revoke")->completion == Completion::revoke_unit);
  CHECK(d.transition("submitted", "approve")->approves);
}

TEST_CASE("a new online business states its entry form and its completion") {
  using fuma::workflow::Completion;
  using fuma::workflow::Entry;
  json::value doc = minimal();
  list(doc, "businesses")
      .push_back(json::parse(R"({"key": "rename", "label": "名称变更", "online": true,
          "form": "change", "entry": "change_items", "on_complete": "change_records"})"));
  const Definition d = Definition::parse(json::serialize(doc), "test.json");
  CHECK(d.business("rename")->entry == Entry::change_items);
  CHECK(d.business("rename")->completion == Completion::change_records);
}

TEST_CASE("an online business the engine has no entry form for is refused") {
  json::value doc = minimal();
  list(doc, "businesses")
      .push_back(json::parse(
          R"({"key": "transfer", "label": "划转", "online": true, "form": "application"})"));
  CHECK(refused(doc) ==
        "test.json: businesses[1]: online business 'transfer' has no entry form: set \"entry\" "
        "(change_items or reason)");
}

TEST_CASE("an entry form the engine does not know is refused") {
  json::value doc = minimal();
  item(doc, "businesses", 0)["entry"] = "items";
  CHECK(refused(doc) ==
        "test.json: businesses[0].entry: unknown entry form 'items' (change_items or reason)");
}

TEST_CASE("a completion the engine does not know is refused") {
  json::value doc = minimal();
  item(doc, "businesses", 0)["on_complete"] = "archive";
  CHECK(refused(doc) ==
        "test.json: businesses[0].on_complete: unknown completion 'archive' (none, "
        "change_records, new_certificate or revoke_unit)");
}

TEST_CASE("change_records without change items to apply is refused") {
  json::value doc = minimal();
  item(doc, "businesses", 0)["entry"] = "reason";
  CHECK(contains(refused(doc), "test.json: businesses[0]: change_records applies change items"));
}

TEST_CASE("an on-site business with an entry form or a completion is refused") {
  json::value doc = minimal();
  list(doc, "businesses")
      .push_back(json::parse(R"({"key": "initial", "label": "申请初领", "online": false,
          "form": "application", "on_complete": "new_certificate"})"));
  CHECK(refused(doc) ==
        "test.json: businesses[1].on_complete: an on-site business is never completed online");
  item(doc, "businesses", 1).erase("on_complete");
  item(doc, "businesses", 1)["entry"] = "reason";
  CHECK(refused(doc) ==
        "test.json: businesses[1].entry: an on-site business has no online entry form");
}

TEST_CASE("a workflow with online businesses and no validating step is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 0).erase("validates");
  CHECK(refused(doc) ==
        "test.json: transitions: no step has \"validates\": true, so no online application "
        "could be submitted");
}

TEST_CASE("a validating step taken by staff is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 0)["role"] = "acceptor";
  CHECK(refused(doc) ==
        "test.json: transitions[0].role: a validating step (提交) is the applicant's");
}

TEST_CASE("a workflow with online businesses and no approving step is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 2).erase("approves");
  CHECK(refused(doc) ==
        "test.json: transitions: no step has \"approves\": true, so 下载表格 would never give "
        "the form to sign");
}

TEST_CASE("a workflow with only on-site businesses needs neither a submit nor an approval") {
  json::value doc = minimal();
  item(doc, "businesses", 0) =
      json::parse(
          R"({"key": "initial", "label": "申请初领", "online": false, "form": "application"})")
          .as_object();
  item(doc, "transitions", 0).erase("validates");
  item(doc, "transitions", 2).erase("approves");
  CHECK_NOTHROW(Definition::parse(json::serialize(doc), "test.json"));
}

TEST_CASE("an editable status without a save step is refused") {
  json::value doc = minimal();
  list(doc, "transitions").erase(list(doc, "transitions").begin() + 3);
  CHECK(refused(doc) ==
        "test.json: statuses[0]: status 'draft' is editable but has no 'save' step (暂存) from it");
}

TEST_CASE("a save step from a status that is not editable is refused") {
  json::value doc = minimal();
  list(doc, "transitions")
      .push_back(json::parse(R"({"from": "submitted", "action": "save", "role": "applicant",
          "to": "submitted", "reply": "none"})"));
  CHECK(refused(doc) ==
        "test.json: transitions[4].action: 'save' (暂存) from status 'submitted', which is not "
        "editable");
}

// --- held against the engine's commands and forms ---------------------------

namespace {

const fuma::workflow::Runtime kEngine{{{"save", true},
                                       {"accept", false},
                                       {"reject", false},
                                       {"approve", false},
                                       {"return", false},
                                       {"forward", false},
                                       {"notify", false},
                                       {"complete", false}},
                                      {"change", "application"}};

std::string refused_by_engine(const json::value& doc) {
  const Definition d = Definition::parse(json::serialize(doc), "test.json");
  try {
    d.check(kEngine);
  } catch (const fuma::Error& e) {
    CHECK(e.code() == fuma::Errc::invalid_argument);
    return e.detail();
  }
  FAIL("the definition passed the engine's check");
  return {};
}

}  // namespace

TEST_CASE("the standard definition and the minimal one pass the engine's check") {
  CHECK_NOTHROW(Definition::standard().check(kEngine));
  CHECK_NOTHROW(Definition::parse(kMinimal, "test.json").check(kEngine));
}

TEST_CASE("a step that no command takes is refused against the engine") {
  json::value doc = minimal();
  item(doc, "transitions", 1)["action"] = "send_back";
  CHECK(contains(refused_by_engine(doc),
                 "test.json: transitions[1].action: no command takes the action 'send_back' "
                 "(save, accept,"));
}

TEST_CASE("a submit that does not validate is refused against the engine") {
  json::value doc = minimal();
  list(doc, "transitions")
      .push_back(json::parse(R"({"from": "submitted", "action": "submit", "role": "applicant",
          "to": "submitted", "reply": "none"})"));
  CHECK(contains(refused_by_engine(doc),
                 "test.json: transitions[4].action: no command takes the action 'submit'"));
}

TEST_CASE("a validating step is taken by application.submit whatever its action") {
  json::value doc = minimal();
  item(doc, "transitions", 0)["action"] = "send";
  CHECK_NOTHROW(Definition::parse(json::serialize(doc), "test.json").check(kEngine));
}

TEST_CASE("a step given to a role that its command does not admit is refused against the engine") {
  json::value doc = minimal();
  item(doc, "transitions", 3)["role"] = "acceptor";
  CHECK(refused_by_engine(doc) ==
        "test.json: transitions[3].role: the action 'save' is taken by the applicant, not by the "
        "role acceptor");
  doc = minimal();
  item(doc, "transitions", 2)["role"] = "applicant";
  CHECK(refused_by_engine(doc) ==
        "test.json: transitions[2].role: the action 'complete' is taken by staff, not by the role "
        "applicant");
}

TEST_CASE("a form the engine has no case template for is refused against the engine") {
  json::value doc = minimal();
  item(doc, "businesses", 0)["form"] = "credential_request";
  CHECK(refused_by_engine(doc) ==
        "test.json: businesses[0].form: no form template 'credential_request' for a case "
        "(change, application)");
}

TEST_CASE("entry forms and completions are named as the file spells them") {
  using fuma::workflow::Completion;
  using fuma::workflow::Entry;
  CHECK(fuma::workflow::entry_name(Entry::change_items) == "change_items");
  CHECK(fuma::workflow::entry_name(Entry::reason) == "reason");
  CHECK(fuma::workflow::entry_name(Entry::none) == "none");
  CHECK(fuma::workflow::completion_name(Completion::revoke_unit) == "revoke_unit");
  CHECK(fuma::workflow::completion_name(Completion::none) == "none");
}

// --- who reads a reply, and what 已办结 tells the unit ----------------------------

TEST_CASE("the standard definition keeps 复核退回's and 重新提交复核's notes among staff") {
  const Definition& d = Definition::standard();
  for (const auto& t : d.transitions()) {
    if (t.reply == Reply::none) continue;
    CAPTURE(t.from);
    CAPTURE(t.action);
    CHECK(t.reply_to_unit == (t.action != "return" && t.action != "forward"));
  }
  CHECK(d.transition("submitted", "reject")->reply_to_unit);
  CHECK(d.transition("approved", "notify")->reply_to_unit);
  CHECK_FALSE(d.transition("accepted", "return")->reply_to_unit);
}

TEST_CASE("reply_to says who reads a step's reply, as written") {
  json::value doc = minimal();
  item(doc, "transitions", 1)["reply_to"] = "staff";
  item(doc, "transitions", 2)["reply_to"] = "unit";
  const Definition d = Definition::parse(json::serialize(doc), "test.json");
  CHECK_FALSE(d.transition("submitted", "reject")->reply_to_unit);
  CHECK(d.transition("submitted", "complete")->reply_to_unit);
}

TEST_CASE("without reply_to, return and forward reply to staff and the other steps to the unit") {
  json::value doc = minimal();
  item(doc, "transitions", 1)["action"] = "return";
  const Definition d = Definition::parse(json::serialize(doc), "test.json");
  CHECK_FALSE(d.transition("submitted", "return")->reply_to_unit);
  CHECK(d.transition("submitted", "complete")->reply_to_unit);
}

TEST_CASE("a reply_to other than unit or staff is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 1)["reply_to"] = "reviewer";
  CHECK(contains(refused(doc),
                 "test.json: transitions[1].reply_to: unknown reply audience 'reviewer'"));
}

TEST_CASE("a reply_to on a step without a reply is refused") {
  json::value doc = minimal();
  item(doc, "transitions", 0)["reply_to"] = "unit";
  CHECK(contains(refused(doc), "test.json: transitions[0].reply_to: a step without a reply"));
}

TEST_CASE("every online business of the standard definition says what 已办结 did and what next") {
  for (const auto& b : Definition::standard().businesses()) {
    CAPTURE(b.key);
    CHECK(b.outcome.has_value() == b.online);
    CHECK(b.next_steps.has_value() == b.online);
  }
}

TEST_CASE("an outcome or next steps on an on-site business is refused") {
  for (const char* field : {"outcome", "next_steps"}) {
    CAPTURE(field);
    json::value doc = minimal();
    list(doc, "businesses")
        .push_back(json::parse(R"({"key": "initial", "label": "申请初领", "online": false,
            "form": "application"})"));
    item(doc, "businesses", 1)[field] = "已办结";
    CHECK(contains(refused(doc), "test.json: businesses[1]." + std::string(field) +
                                     ": an on-site business is never completed online"));
  }
}

TEST_CASE("an empty outcome text is refused") {
  json::value doc = minimal();
  item(doc, "businesses", 0)["outcome"] = "";
  CHECK(contains(refused(doc), "test.json: businesses[0].outcome"));
}
