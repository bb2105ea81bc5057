// SPDX-License-Identifier: Apache-2.0
#include "fuma/workflow.hpp"

#include <algorithm>
#include <boost/json/value.hpp>
#include <map>
#include <utility>

#include "datafile/datafile.hpp"
#include "fuma/error.hpp"
#include "fuma_embedded.hpp"

namespace fuma::workflow {

namespace json = boost::json;
using datafile::element;
using datafile::member;
using datafile::Object;
using datafile::Reporter;

namespace {

constexpr int kSupportedVersion = 1;
// A time limit beyond a working year is a typo, not a rule.
constexpr int kMaxTimeLimitDays = 365;

constexpr std::pair<Role, std::string_view> kRoles[] = {
    {Role::applicant, "applicant"},
    {Role::acceptor, "acceptor"},
    {Role::reviewer, "reviewer"},
    {Role::admin, "admin"},
};

constexpr std::pair<Reply, std::string_view> kReplies[] = {
    {Reply::none, "none"},
    {Reply::optional, "optional"},
    {Reply::required, "required"},
};

constexpr std::pair<Entry, std::string_view> kEntries[] = {
    {Entry::change_items, "change_items"},
    {Entry::reason, "reason"},
};

constexpr std::pair<Completion, std::string_view> kCompletions[] = {
    {Completion::none, "none"},
    {Completion::change_records, "change_records"},
    {Completion::new_certificate, "new_certificate"},
    {Completion::revoke_unit, "revoke_unit"},
};

// A version 1 file written before businesses named their entry form and
// completion: the shipped keys do what they always did.
struct ShippedBusiness {
  std::string_view key;
  Entry entry;
  Completion completion;
};
constexpr ShippedBusiness kShippedBusinesses[] = {
    {"change", Entry::change_items, Completion::change_records},
    {"reissue", Entry::reason, Completion::new_certificate},
    {"replace", Entry::reason, Completion::new_certificate},
    {"revoke", Entry::reason, Completion::revoke_unit},
};

const ShippedBusiness* shipped(std::string_view key) {
  for (const ShippedBusiness& b : kShippedBusinesses) {
    if (b.key == key) return &b;
  }
  return nullptr;
}

// A description documents any part of the file for whoever edits it: it is
// checked to be a string and left out of the definition.
void skip_description(const Object& o) { o.optional_string("description"); }

template <typename Enum, std::size_t N>
std::string names_of(const std::pair<Enum, std::string_view> (&table)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    out += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(table[i].second);
  }
  return out;
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::pair<Enum, std::string_view> (&table)[N],
                               std::string_view name) {
  for (const auto& [value, n] : table) {
    if (n == name) return value;
  }
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view name_of(const std::pair<Enum, std::string_view> (&table)[N], Enum value) {
  for (const auto& [v, n] : table) {
    if (v == value) return n;
  }
  return "none";
}

// An optional field naming one of `table`'s values.
template <typename Enum, std::size_t N>
std::optional<Enum> optional_name(const Object& f, std::string_view field, std::string_view what,
                                  const std::pair<Enum, std::string_view> (&table)[N]) {
  const json::value* v = f.find(field);
  if (v == nullptr) return std::nullopt;
  const std::string name = datafile::as_string(*v, f.at(field), f.report());
  auto value = parse_name(table, name);
  if (!value) {
    f.report().fail(f.at(field),
                    "unknown " + std::string(what) + " '" + name + "' (" + names_of(table) + ")");
  }
  return value;
}

// What the engine does for a business: its entry form when it is online,
// what completing it does, each stated or, in a file that predates them,
// taken from the shipped business of the same key.
void read_engine_fields(const Object& f, Business& b) {
  const ShippedBusiness* known = shipped(b.key);
  const std::optional<Entry> entry = optional_name(f, "entry", "entry form", kEntries);
  const std::optional<Completion> completion =
      optional_name(f, "on_complete", "completion", kCompletions);
  if (!b.online) {
    if (entry) f.report().fail(f.at("entry"), "an on-site business has no online entry form");
    if (completion && *completion != Completion::none) {
      f.report().fail(f.at("on_complete"), "an on-site business is never completed online");
    }
    return;
  }
  if (entry) {
    b.entry = *entry;
  } else if (known) {
    b.entry = known->entry;
  } else {
    f.report().fail(f.path(), "online business '" + b.key + "' has no entry form: set \"entry\" (" +
                                  names_of(kEntries) + ")");
  }
  if (completion) {
    b.completion = *completion;
  } else if (known) {
    b.completion = known->completion;
  }
  if (b.completion == Completion::change_records && b.entry != Entry::change_items) {
    f.report().fail(completion ? f.at("on_complete") : f.path(),
                    "change_records applies change items: it needs \"entry\": \"change_items\"");
  }
}

std::vector<Business> read_businesses(const json::array& items, const Reporter& report) {
  std::vector<Business> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Object f(items[i], element("businesses", i),
                   {"key", "label", "online", "form", "entry", "on_complete", "outcome",
                    "next_steps", "description"},
                   report);
    Business b;
    b.key = f.key("key");
    b.label = f.text("label");
    b.online = f.flag("online");
    b.form = f.key("form");
    read_engine_fields(f, b);
    b.outcome = f.optional_text("outcome");
    b.next_steps = f.optional_text("next_steps");
    for (std::string_view field : {"outcome", "next_steps"}) {
      if (!b.online && f.find(field) != nullptr) {
        report.fail(f.at(field), "an on-site business is never completed online");
      }
    }
    skip_description(f);
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].key == b.key) {
        report.fail(f.at("key"),
                    "business '" + b.key + "' is already defined by " + element("businesses", j));
      }
    }
    out.push_back(std::move(b));
  }
  if (out.empty()) report.fail("businesses", "must list at least one business");
  return out;
}

std::vector<Status> read_statuses(const json::array& items, const Reporter& report) {
  std::vector<Status> out;
  std::optional<std::size_t> initial;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Object f(items[i], element("statuses", i),
                   {"key", "label", "initial", "final", "editable", "deletable", "time_limit_days",
                    "description"},
                   report);
    Status s;
    s.key = f.key("key");
    s.label = f.text("label");
    s.initial = f.flag("initial", false);
    s.final = f.flag("final", false);
    s.editable = f.flag("editable", false);
    s.deletable = f.flag("deletable", false);
    if (auto days = f.optional_count("time_limit_days", kMaxTimeLimitDays, "working days")) {
      s.time_limit_days = static_cast<int>(*days);
    }
    skip_description(f);
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].key == s.key) {
        report.fail(f.at("key"),
                    "status '" + s.key + "' is already defined by " + element("statuses", j));
      }
    }
    if (s.initial) {
      if (initial) {
        report.fail(f.at("initial"), "a second initial status; " + element("statuses", *initial) +
                                         " is already initial");
      }
      initial = i;
    }
    if (s.final) {
      if (s.initial) report.fail(f.at("final"), "the initial status cannot be final");
      if (s.editable) report.fail(f.at("editable"), "a final status cannot be editable");
      if (s.deletable) report.fail(f.at("deletable"), "a final status cannot be deletable");
      if (s.time_limit_days) {
        report.fail(f.at("time_limit_days"), "a final status has nothing left to do in time");
      }
    }
    out.push_back(std::move(s));
  }
  if (!initial) report.fail("statuses", "no status is marked initial");
  if (std::none_of(out.begin(), out.end(), [](const Status& s) { return s.final; })) {
    report.fail("statuses", "no status is marked final, so no application could ever finish");
  }
  return out;
}

using StatusIndex = std::map<std::string, std::size_t, std::less<>>;

std::vector<Transition> read_transitions(const json::array& items,
                                         const std::vector<Status>& statuses,
                                         const StatusIndex& index, const Reporter& report) {
  std::vector<Transition> out;
  std::vector<std::string> distinct_paths;  // where each distinct_from entry was written
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Object f(items[i], element("transitions", i),
                   {"from", "action", "role", "to", "reply", "reply_to", "distinct_from",
                    "validates", "approves", "description"},
                   report);
    Transition t;
    t.from = f.key("from");
    auto from = index.find(t.from);
    if (from == index.end()) report.fail(f.at("from"), "unknown status '" + t.from + "'");
    if (statuses[from->second].final) {
      report.fail(f.at("from"), "status '" + t.from + "' is final and cannot have a way out");
    }
    t.action = f.key("action");
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].from == t.from && out[j].action == t.action) {
        report.fail(f.at("action"), "action '" + t.action + "' from '" + t.from +
                                        "' is already defined by " + element("transitions", j));
      }
    }
    const std::string role =
        datafile::as_string(f.need("role", names_of(kRoles)), f.at("role"), report);
    auto r = parse_role(role);
    if (!r) report.fail(f.at("role"), "unknown role '" + role + "' (" + names_of(kRoles) + ")");
    t.role = *r;
    t.to = f.key("to");
    if (index.find(t.to) == index.end()) report.fail(f.at("to"), "unknown status '" + t.to + "'");
    const std::string reply =
        datafile::as_string(f.need("reply", names_of(kReplies)), f.at("reply"), report);
    auto rp = parse_name(kReplies, reply);
    if (!rp) {
      report.fail(f.at("reply"), "unknown reply rule '" + reply + "' (" + names_of(kReplies) + ")");
    }
    t.reply = *rp;
    t.reply_to_unit = t.action != "return" && t.action != "forward";
    if (auto to = f.optional_string("reply_to")) {
      if (*to != "unit" && *to != "staff") {
        report.fail(f.at("reply_to"), "unknown reply audience '" + *to + "' (unit or staff)");
      }
      if (t.reply == Reply::none) {
        report.fail(f.at("reply_to"), "a step without a reply has nobody to reply to");
      }
      t.reply_to_unit = *to == "unit";
    }
    if (const json::value* list = f.find("distinct_from")) {
      const json::array& actions = datafile::as_array(*list, f.at("distinct_from"), report);
      for (std::size_t j = 0; j < actions.size(); ++j) {
        const std::string where = element(f.at("distinct_from"), j);
        std::string action = datafile::as_key(actions[j], where, report);
        if (std::find(t.distinct_from.begin(), t.distinct_from.end(), action) !=
            t.distinct_from.end()) {
          report.fail(where, "action '" + action + "' is listed twice");
        }
        t.distinct_from.push_back(std::move(action));
        distinct_paths.push_back(where);
      }
    }
    t.validates = f.flag("validates", false);
    if (t.validates && t.role != Role::applicant) {
      report.fail(f.at("role"), "a validating step (提交) is the applicant's");
    }
    t.approves = f.flag("approves", t.action == "approve");
    skip_description(f);
    out.push_back(std::move(t));
  }
  // Four-eyes names actions that may be defined further down, so it is
  // checked once every action is known.
  std::size_t entry = 0;
  for (const Transition& t : out) {
    for (const std::string& action : t.distinct_from) {
      const bool exists = std::any_of(
          out.begin(), out.end(), [&](const Transition& other) { return other.action == action; });
      if (!exists) report.fail(distinct_paths[entry], "unknown action '" + action + "'");
      ++entry;
    }
  }
  return out;
}

// Every status must be reachable from the initial one, and every non-final
// status must lead to a final one: otherwise a status is dead weight in the
// definition, or a case can get stuck where nobody can move it.
void check_flow(const std::vector<Status>& statuses, const std::vector<Transition>& transitions,
                const StatusIndex& index, const Reporter& report) {
  const std::size_t n = statuses.size();
  std::vector<std::vector<std::size_t>> next(n);
  std::vector<std::vector<std::size_t>> previous(n);
  for (const Transition& t : transitions) {
    const std::size_t from = index.find(t.from)->second;
    const std::size_t to = index.find(t.to)->second;
    next[from].push_back(to);
    previous[to].push_back(from);
  }
  auto spread = [n](std::vector<std::size_t> frontier,
                    const std::vector<std::vector<std::size_t>>& edges) {
    std::vector<bool> seen(n, false);
    for (std::size_t s : frontier) seen[s] = true;
    while (!frontier.empty()) {
      const std::size_t s = frontier.back();
      frontier.pop_back();
      for (std::size_t e : edges[s]) {
        if (!seen[e]) {
          seen[e] = true;
          frontier.push_back(e);
        }
      }
    }
    return seen;
  };

  std::size_t initial = 0;
  std::vector<std::size_t> finals;
  for (std::size_t i = 0; i < n; ++i) {
    if (statuses[i].initial) initial = i;
    if (statuses[i].final) finals.push_back(i);
  }
  const std::vector<bool> reachable = spread({initial}, next);
  const std::vector<bool> finishing = spread(finals, previous);
  for (std::size_t i = 0; i < n; ++i) {
    const Status& s = statuses[i];
    const std::string where = element("statuses", i);
    if (!s.final && next[i].empty()) {
      report.fail(where, "status '" + s.key + "' is not final but has no transition out");
    }
    if (!finishing[i]) {
      report.fail(where, "status '" + s.key + "' is not final and no final status can be " +
                             "reached from it");
    }
    if (!reachable[i]) {
      report.fail(where, "status '" + s.key + "' cannot be reached from the initial status '" +
                             statuses[initial].key + "'");
    }
  }
}

// What the engine's commands need of the steps: 暂存 wherever the form is
// editable, and nowhere else; with any online business, a step that submits
// (validates) and one that approves, or no case could be submitted, or the
// form to sign never printed.
void check_steps(const std::vector<Business>& businesses, const std::vector<Status>& statuses,
                 const std::vector<Transition>& transitions, const StatusIndex& index,
                 const Reporter& report) {
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    const Status& s = statuses[i];
    const bool saves =
        std::any_of(transitions.begin(), transitions.end(),
                    [&](const Transition& t) { return t.from == s.key && t.action == "save"; });
    if (s.editable && !saves) {
      report.fail(element("statuses", i),
                  "status '" + s.key + "' is editable but has no 'save' step (暂存) from it");
    }
  }
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    const Transition& t = transitions[i];
    if (t.action == "save" && !statuses[index.find(t.from)->second].editable) {
      report.fail(member(element("transitions", i), "action"),
                  "'save' (暂存) from status '" + t.from + "', which is not editable");
    }
  }
  const bool online =
      std::any_of(businesses.begin(), businesses.end(), [](const Business& b) { return b.online; });
  if (!online) return;
  if (std::none_of(transitions.begin(), transitions.end(),
                   [](const Transition& t) { return t.validates; })) {
    report.fail("transitions",
                "no step has \"validates\": true, so no online application could be submitted");
  }
  if (std::none_of(transitions.begin(), transitions.end(),
                   [](const Transition& t) { return t.approves; })) {
    report.fail("transitions",
                "no step has \"approves\": true, so 下载表格 would never give the form to sign");
  }
}

}  // namespace

std::string_view entry_name(Entry e) noexcept {
  return e == Entry::none ? "none" : name_of(kEntries, e);
}

std::string_view completion_name(Completion c) noexcept { return name_of(kCompletions, c); }

std::string_view role_name(Role r) noexcept {
  for (const auto& [role, name] : kRoles) {
    if (role == r) return name;
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
  for (const auto& [role, n] : kRoles) {
    if (n == name) return role;
  }
  return std::nullopt;
}

Definition Definition::parse(std::string_view json_text, std::string_view source) {
  const Reporter report(source, "业务流程定义有误：");
  const json::value doc = datafile::parse(json_text, report);
  const Object top(doc, "", {"version", "description", "businesses", "statuses", "transitions"},
                   report);
  top.require_version(kSupportedVersion);
  skip_description(top);

  Definition d;
  d.businesses_ = read_businesses(top.array("businesses"), report);
  d.statuses_ = read_statuses(top.array("statuses"), report);
  StatusIndex index;
  for (std::size_t i = 0; i < d.statuses_.size(); ++i) index.emplace(d.statuses_[i].key, i);
  d.transitions_ = read_transitions(top.array("transitions"), d.statuses_, index, report);
  check_flow(d.statuses_, d.transitions_, index, report);
  check_steps(d.businesses_, d.statuses_, d.transitions_, index, report);
  d.source_ = std::string(source);
  return d;
}

void Definition::check(const Runtime& runtime) const {
  const Reporter report(source_, "业务流程定义有误：");
  std::string actions;
  for (const Runtime::Step& s : runtime.steps) actions += (actions.empty() ? "" : ", ") + s.action;
  for (std::size_t i = 0; i < transitions_.size(); ++i) {
    const Transition& t = transitions_[i];
    if (t.validates) continue;  // application.submit; parse checked the role
    auto step = std::find_if(runtime.steps.begin(), runtime.steps.end(),
                             [&](const Runtime::Step& s) { return s.action == t.action; });
    const std::string at = element("transitions", i);
    if (step == runtime.steps.end()) {
      report.fail(member(at, "action"),
                  "no command takes the action '" + t.action + "' (" + actions +
                      "; a step with \"validates\": true is taken by application.submit)");
    }
    if (step->applicant != (t.role == Role::applicant)) {
      report.fail(member(at, "role"), "the action '" + t.action + "' is taken by " +
                                          (step->applicant ? "the applicant" : "staff") +
                                          ", not by the role " + std::string(role_name(t.role)));
    }
  }
  std::string forms;
  for (const std::string& f : runtime.forms) forms += (forms.empty() ? "" : ", ") + f;
  for (std::size_t i = 0; i < businesses_.size(); ++i) {
    const Business& b = businesses_[i];
    if (std::find(runtime.forms.begin(), runtime.forms.end(), b.form) != runtime.forms.end()) {
      continue;
    }
    report.fail(member(element("businesses", i), "form"),
                "no form template '" + b.form + "' for a case (" + forms + ")");
  }
}

const Definition& Definition::standard() {
  // A function-local static initialises once, thread-safely; the shipped
  // file is covered by the tests, so a failure here is a build defect.
  static const Definition definition =
      Definition::parse(embedded::workflow_definition(), "workflow.json");
  return definition;
}

const Business* Definition::business(std::string_view key) const {
  auto it = std::find_if(businesses_.begin(), businesses_.end(),
                         [key](const Business& b) { return b.key == key; });
  return it == businesses_.end() ? nullptr : &*it;
}

const Status* Definition::status(std::string_view key) const {
  auto it = std::find_if(statuses_.begin(), statuses_.end(),
                         [key](const Status& s) { return s.key == key; });
  return it == statuses_.end() ? nullptr : &*it;
}

const Status& Definition::initial() const {
  auto it =
      std::find_if(statuses_.begin(), statuses_.end(), [](const Status& s) { return s.initial; });
  // Only a default-constructed Definition, which was never parsed, lacks one.
  if (it == statuses_.end()) {
    throw Error(Errc::internal, "workflow definition was never parsed: it has no initial status");
  }
  return *it;
}

const Transition* Definition::transition(std::string_view from, std::string_view action) const {
  auto it = std::find_if(transitions_.begin(), transitions_.end(),
                         [&](const Transition& t) { return t.from == from && t.action == action; });
  return it == transitions_.end() ? nullptr : &*it;
}

bool Definition::approving(std::string_view action) const {
  return std::any_of(transitions_.begin(), transitions_.end(),
                     [&](const Transition& t) { return t.action == action && t.approves; });
}

std::vector<const Transition*> Definition::transitions_from(std::string_view from) const {
  std::vector<const Transition*> out;
  for (const Transition& t : transitions_) {
    if (t.from == from) out.push_back(&t);
  }
  return out;
}

}  // namespace fuma::workflow
