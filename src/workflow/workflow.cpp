#include "fuma/workflow.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <utility>

#include "fuma/error.hpp"
#include "workflow/embedded.hpp"

namespace fuma::workflow {

namespace json = boost::json;

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

// Everything a definition reports goes through here, so every defect reads
// "<source>: <location>: <what>" for developers and names the location for
// people.
class Reporter {
 public:
  explicit Reporter(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    std::string detail(source_);
    detail += ": ";
    if (!where.empty()) detail += where + ": ";
    detail += what;
    throw Error(Errc::invalid_argument, std::move(detail),
                "业务流程定义有误：" + (where.empty() ? std::string(source_) : where));
  }

  [[noreturn]] void fail_at_text(std::size_t line, std::size_t column,
                                 const std::string& what) const {
    throw Error(Errc::invalid_argument,
                std::string(source_) + ": line " + std::to_string(line) + ", column " +
                    std::to_string(column) + ": " + what,
                "业务流程定义有误：" + std::string(source_) + " 第" + std::to_string(line) +
                    "行第" + std::to_string(column) + "列");
  }

 private:
  std::string_view source_;
};

std::string member_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string element_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// Boost.JSON keeps the last of two equal keys without a word, which would let
// a field written twice (one of them a stale edit) pass unnoticed. This first
// pass over the text refuses repeated keys and reports where syntax fails.
class KeyScanner {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  // The location of the repeated key, empty while there is none.
  const std::string& repeated() const { return repeated_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    stack_.push_back(Frame{true, 0, {}, {}});
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    stack_.pop_back();
    value_done();
    return true;
  }
  bool on_array_begin(json::error_code&) {
    stack_.push_back(Frame{false, 0, {}, {}});
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    stack_.pop_back();
    value_done();
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    Frame& frame = stack_.back();
    if (!frame.keys.insert(key_).second) {
      frame.key = key_;
      repeated_ = path();
      ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
      return false;
    }
    frame.key = std::move(key_);
    key_.clear();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return scalar(); }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return scalar(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return scalar(); }
  bool on_double(double, json::string_view, json::error_code&) { return scalar(); }
  bool on_bool(bool, json::error_code&) { return scalar(); }
  bool on_null(json::error_code&) { return scalar(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct Frame {
    bool object;
    std::size_t index;  // arrays: the element being read
    std::string key;    // objects: the member being read
    std::set<std::string> keys;
  };

  bool scalar() {
    value_done();
    return true;
  }
  void value_done() {
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
  }
  std::string path() const {
    std::string out;
    for (const Frame& f : stack_) {
      out = f.object ? member_path(out, f.key) : element_path(out, f.index);
    }
    return out;
  }

  std::vector<Frame> stack_;
  std::string key_;
  std::string repeated_;
};

json::value parse_json(std::string_view text, const Reporter& report) {
  json::basic_parser<KeyScanner> scanner{json::parse_options{}};
  json::error_code ec;
  const std::size_t consumed = scanner.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    if (!scanner.handler().repeated().empty()) {
      report.fail(scanner.handler().repeated(), "the field appears more than once");
    }
    // Columns count characters, not bytes, so they match an editor's.
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < std::min(consumed, text.size()); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c == '\n') {
        ++line;
        column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++column;
      }
    }
    report.fail_at_text(line, column, "malformed JSON (" + ec.message() + ")");
  }
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) report.fail("", "malformed JSON (" + ec.message() + ")");
  return value;
}

std::string_view kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// Keys end up in command names, URLs and database rows, so they keep to a
// plain spelling that survives all three.
bool is_key(std::string_view s) {
  if (s.empty() || s.front() < 'a' || s.front() > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

const json::array& as_array(const json::value& v, const std::string& where,
                            const Reporter& report) {
  if (!v.is_array()) report.fail(where, "expected an array, found " + std::string(kind_name(v)));
  return v.get_array();
}

std::string as_key(const json::value& v, const std::string& where, const Reporter& report) {
  if (!v.is_string()) report.fail(where, "expected a string, found " + std::string(kind_name(v)));
  std::string_view s(v.get_string().data(), v.get_string().size());
  if (!is_key(s)) {
    report.fail(where, "'" + std::string(s) +
                           "' is not a key (lower-case letters, digits and '_', starting with a "
                           "letter)");
  }
  return std::string(s);
}

// One JSON object of the definition. The fields it may have are declared up
// front, so a misspelt field is reported as itself rather than as the missing
// field it was meant to be.
class Fields {
 public:
  Fields(const json::value& v, std::string path, std::initializer_list<std::string_view> known,
         const Reporter& report)
      : path_(std::move(path)), report_(report) {
    if (!v.is_object()) {
      report_.fail(path_, "expected an object, found " + std::string(kind_name(v)));
    }
    object_ = &v.get_object();
    for (const auto& member : *object_) {
      std::string_view key(member.key().data(), member.key().size());
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      report_.fail(at(key), "unknown field (expected one of: " + list + ")");
    }
  }

  std::string at(std::string_view field) const { return member_path(path_, field); }

  const json::value* find(std::string_view field) const {
    return object_->if_contains(json::string_view(field.data(), field.size()));
  }

  const json::value& need(std::string_view field, std::string_view hint = {}) const {
    const json::value* v = find(field);
    if (!v) {
      report_.fail(at(field), "required field is missing" +
                                  (hint.empty() ? std::string() : " (" + std::string(hint) + ")"));
    }
    return *v;
  }

  std::string key(std::string_view field) const { return as_key(need(field), at(field), report_); }

  std::string label(std::string_view field) const {
    const json::value& v = need(field);
    if (!v.is_string()) {
      report_.fail(at(field), "expected a string, found " + std::string(kind_name(v)));
    }
    if (v.get_string().empty()) report_.fail(at(field), "must not be empty");
    return std::string(v.get_string().data(), v.get_string().size());
  }

  bool flag(std::string_view field, std::optional<bool> fallback) const {
    const json::value* v = fallback ? find(field) : &need(field, "true or false");
    if (!v) return *fallback;
    if (!v->is_bool()) {
      report_.fail(at(field), "expected true or false, found " + std::string(kind_name(*v)));
    }
    return v->get_bool();
  }

  // A documentation field: any string, kept out of the parsed definition.
  void note(std::string_view field) const {
    const json::value* v = find(field);
    if (v && !v->is_string()) {
      report_.fail(at(field), "expected a string, found " + std::string(kind_name(*v)));
    }
  }

  std::optional<int> days(std::string_view field) const {
    const json::value* v = find(field);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->get_int64();
    } else if (v->is_uint64()) {
      n = kMaxTimeLimitDays + 1;
    } else {
      report_.fail(at(field),
                   "expected a whole number of working days, found " + std::string(kind_name(*v)));
    }
    if (n < 1 || n > kMaxTimeLimitDays) {
      report_.fail(at(field), "must be between 1 and " + std::to_string(kMaxTimeLimitDays) +
                                  " working days, found " + json::serialize(*v));
    }
    return static_cast<int>(n);
  }

 private:
  std::string path_;
  const json::object* object_ = nullptr;
  const Reporter& report_;
};

template <typename Enum, std::size_t N>
std::string names_of(const std::pair<Enum, std::string_view> (&table)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    out += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(table[i].second);
  }
  return out;
}

std::optional<Reply> parse_reply(std::string_view name) {
  for (const auto& [reply, n] : kReplies) {
    if (n == name) return reply;
  }
  return std::nullopt;
}

std::vector<Business> read_businesses(const json::array& items, const Reporter& report) {
  std::vector<Business> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Fields f(items[i], element_path("businesses", i),
             {"key", "label", "online", "form", "description"}, report);
    Business b;
    b.key = f.key("key");
    b.label = f.label("label");
    b.online = f.flag("online", std::nullopt);
    b.form = f.key("form");
    f.note("description");
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].key == b.key) {
        report.fail(f.at("key"), "business '" + b.key + "' is already defined by " +
                                     element_path("businesses", j));
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
    Fields f(items[i], element_path("statuses", i),
             {"key", "label", "initial", "final", "editable", "deletable", "time_limit_days",
              "description"},
             report);
    Status s;
    s.key = f.key("key");
    s.label = f.label("label");
    s.initial = f.flag("initial", false);
    s.final = f.flag("final", false);
    s.editable = f.flag("editable", false);
    s.deletable = f.flag("deletable", false);
    s.time_limit_days = f.days("time_limit_days");
    f.note("description");
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].key == s.key) {
        report.fail(f.at("key"),
                    "status '" + s.key + "' is already defined by " + element_path("statuses", j));
      }
    }
    if (s.initial) {
      if (initial) {
        report.fail(f.at("initial"), "a second initial status; " +
                                         element_path("statuses", *initial) +
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
    Fields f(items[i], element_path("transitions", i),
             {"from", "action", "role", "to", "reply", "distinct_from", "validates", "description"},
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
                                        "' is already defined by " +
                                        element_path("transitions", j));
      }
    }
    const json::value& role = f.need("role", names_of(kRoles));
    if (!role.is_string()) {
      report.fail(f.at("role"), "expected a string, found " + std::string(kind_name(role)));
    }
    std::string_view role_text(role.get_string().data(), role.get_string().size());
    auto r = parse_role(role_text);
    if (!r) {
      report.fail(f.at("role"),
                  "unknown role '" + std::string(role_text) + "' (" + names_of(kRoles) + ")");
    }
    t.role = *r;
    t.to = f.key("to");
    if (index.find(t.to) == index.end()) report.fail(f.at("to"), "unknown status '" + t.to + "'");
    const json::value& reply = f.need("reply", names_of(kReplies));
    if (!reply.is_string()) {
      report.fail(f.at("reply"), "expected a string, found " + std::string(kind_name(reply)));
    }
    std::string_view reply_text(reply.get_string().data(), reply.get_string().size());
    auto rp = parse_reply(reply_text);
    if (!rp) {
      report.fail(f.at("reply"), "unknown reply rule '" + std::string(reply_text) + "' (" +
                                     names_of(kReplies) + ")");
    }
    t.reply = *rp;
    if (const json::value* list = f.find("distinct_from")) {
      const json::array& actions = as_array(*list, f.at("distinct_from"), report);
      for (std::size_t j = 0; j < actions.size(); ++j) {
        const std::string where = element_path(f.at("distinct_from"), j);
        std::string action = as_key(actions[j], where, report);
        if (std::find(t.distinct_from.begin(), t.distinct_from.end(), action) !=
            t.distinct_from.end()) {
          report.fail(where, "action '" + action + "' is listed twice");
        }
        t.distinct_from.push_back(std::move(action));
        distinct_paths.push_back(where);
      }
    }
    t.validates = f.flag("validates", false);
    f.note("description");
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
    const std::string where = element_path("statuses", i);
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

}  // namespace

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
  const Reporter report(source);
  const json::value doc = parse_json(json_text, report);
  Fields top(doc, "", {"version", "description", "businesses", "statuses", "transitions"}, report);
  const json::value& version = top.need("version");
  if (!version.is_int64() || version.get_int64() != kSupportedVersion) {
    report.fail("version", "unsupported version " + json::serialize(version) +
                               " (this library reads version " + std::to_string(kSupportedVersion) +
                               ")");
  }
  top.note("description");

  Definition d;
  d.businesses_ = read_businesses(as_array(top.need("businesses"), "businesses", report), report);
  d.statuses_ = read_statuses(as_array(top.need("statuses"), "statuses", report), report);
  StatusIndex index;
  for (std::size_t i = 0; i < d.statuses_.size(); ++i) index.emplace(d.statuses_[i].key, i);
  d.transitions_ = read_transitions(as_array(top.need("transitions"), "transitions", report),
                                    d.statuses_, index, report);
  check_flow(d.statuses_, d.transitions_, index, report);
  return d;
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

std::vector<const Transition*> Definition::transitions_from(std::string_view from) const {
  std::vector<const Transition*> out;
  for (const Transition& t : transitions_) {
    if (t.from == from) out.push_back(&t);
  }
  return out;
}

}  // namespace fuma::workflow
