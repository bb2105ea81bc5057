#include "view.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <utility>

#include "command.hpp"
#include "form.hpp"
#include "fuma/attachments.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

bool command_exists(std::string_view name) {
  const auto& list = commands();
  auto it = std::lower_bound(list.begin(), list.end(), name,
                             [](const Command& c, std::string_view n) { return c.name < n; });
  return it != list.end() && it->name == name;
}

// o["label"]: the label of what `p` points at, or null when it is nothing
// the definitions know. Assigned in o's own storage.
template <class T>
void put_label(json::object& o, const T* p) {
  if (p) {
    o["label"] = p->label;
  } else {
    o["label"] = nullptr;
  }
}

json::value nullable(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

std::string_view reply_name(workflow::Reply r) {
  switch (r) {
    case workflow::Reply::none:
      return "none";
    case workflow::Reply::optional:
      return "optional";
    case workflow::Reply::required:
      return "required";
  }
  return "none";
}

json::array actions(const workflow::Definition& def, const Actor& actor, const Case& c,
                    const std::vector<store::Event>& events, const json::storage_ptr& sp) {
  json::array out(sp);
  for (const workflow::Transition* t : def.transitions_from(c.application.status)) {
    const std::string command = "application." + t->action;
    if (!command_exists(command) || !may_step(actor, *t, c, events)) continue;
    json::object a(4, sp);
    a["action"] = t->action;
    a["command"] = command;
    a["to"] = status_json(def, t->to, sp);
    a["reply"] = reply_name(t->reply);
    out.push_back(std::move(a));
  }
  const workflow::Status* status = def.status(c.application.status);
  if (status && is_applicant(actor, c)) {
    if (status->editable) {
      json::object a(2, sp);
      a["action"] = "upload";
      a["command"] = "attachment.upload";
      out.push_back(std::move(a));
    }
    if (status->deletable) {
      json::object a(2, sp);
      a["action"] = "delete";
      a["command"] = "application.delete";
      out.push_back(std::move(a));
    }
  }
  return out;
}

// The answer whose page finish() makes after the transaction, from `facts`.
Output case_answer_from(const Context& ctx, const Actor& actor, Case c, CaseFacts facts) {
  Output out = output(ctx);
  out.rest = [&ctx, actor, c = std::move(c), facts = std::move(facts)](json::object& o) {
    o["application"] = case_view(ctx.domain, actor, c, facts, ctx.now, ctx.storage);
  };
  return out;
}

}  // namespace

json::object authority_json(const store::Authority& a) {
  json::object o(6);
  o["id"] = a.id;
  o["code"] = a.code;
  o["name"] = a.name;
  o["division"] = a.division;
  o["segment"] = a.segment;
  o["created_at"] = a.created_at;
  return o;
}

json::object staff_json(const store::Staff& s) {
  json::object o(6);
  o["id"] = s.id;
  o["username"] = s.username;
  o["name"] = s.name;
  json::array roles;
  for (const auto& r : s.roles) roles.emplace_back(r);
  o["roles"] = std::move(roles);
  o["active"] = s.active;
  o["created_at"] = s.created_at;
  return o;
}

json::object unit_json(const store::Unit& u, json::storage_ptr sp) {
  json::object o(8, std::move(sp));
  o["uscc"] = u.uscc;
  o["name"] = u.name;
  o["category"] = u.category;
  o["address"] = u.address;
  o["responsible_person"] = u.responsible_person;
  o["revoked"] = u.revoked;
  o["created_at"] = u.created_at;
  o["updated_at"] = u.updated_at;
  return o;
}

json::object certificate_json(const store::Certificate& c, json::storage_ptr sp) {
  json::object o(6, std::move(sp));
  o["serial"] = c.serial;
  o["issued_on"] = c.issued_on;
  o["valid_until"] = nullable(c.valid_until);
  o["long_term"] = !c.valid_until.has_value();
  o["validity"] = c.valid_until ? *c.valid_until : std::string(kLongTerm);
  o["status"] = c.status;
  return o;
}

json::object attachment_json(const attachments::Rules& rules, const store::Attachment& a,
                             json::storage_ptr sp) {
  json::object o(9, std::move(sp));
  o["id"] = a.id;
  o["kind"] = a.kind;
  const attachments::Kind* k = rules.kind(a.kind);
  put_label(o, k);
  o["file_name"] = a.file_name;
  o["media_type"] = a.media_type;
  o["size"] = a.size;
  o["sha256"] = a.sha256;
  o["uploaded_at"] = a.uploaded_at;
  return o;
}

json::object status_json(const workflow::Definition& def, std::string_view key,
                         json::storage_ptr sp) {
  json::object o(5, std::move(sp));
  o["key"] = key;
  const workflow::Status* s = def.status(key);
  put_label(o, s);
  return o;
}

json::object business_json(const workflow::Definition& def, std::string_view key,
                           json::storage_ptr sp) {
  json::object o(2, std::move(sp));
  o["key"] = key;
  const workflow::Business* b = def.business(key);
  put_label(o, b);
  return o;
}

Deadline deadline(const workflow::Definition& def, const store::Application& a,
                  const std::vector<store::Event>& events, TimePoint now) {
  Deadline d;
  d.since = a.created_at;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->to_status == a.status && it->from_status != it->to_status) {
      d.since = it->at;
      break;
    }
  }
  const workflow::Status* s = def.status(a.status);
  const std::optional<TimePoint> since = parse_iso_time(d.since);
  if (s && s->time_limit_days && since && a.open) {
    d.due = add_working_days(china_date(*since), *s->time_limit_days);
    d.overdue = china_date(now) > *d.due;
  }
  return d;
}

void put_deadline(json::object& o, const Deadline& d) {
  o["status_since"] = d.since;
  o["due"] = d.due ? json::value(format_date(*d.due)) : json::value(nullptr);
  o["overdue"] = d.overdue;
}

CaseFacts case_facts(store::Transaction& txn, const Case& c) {
  return case_facts(txn, c, txn.events(c.application.id));
}

CaseFacts case_facts(store::Transaction& txn, const Case& c, std::vector<store::Event> events) {
  return CaseFacts{std::move(events), txn.active_certificate(c.unit.id),
                   txn.attachments(c.application.id)};
}

json::object case_view(const Domain& domain, store::Transaction& txn, const Actor& actor,
                       const Case& c, TimePoint now, json::storage_ptr sp) {
  return case_view(domain, actor, c, case_facts(txn, c), now, std::move(sp));
}

Output case_answer(const Context& ctx, store::Transaction& txn, const Actor& actor, Case c) {
  CaseFacts facts = case_facts(txn, c);
  return case_answer_from(ctx, actor, std::move(c), std::move(facts));
}

Output case_answer(const Context& ctx, store::Transaction& txn, const Actor& actor, Case c,
                   std::vector<store::Event> events) {
  CaseFacts facts = case_facts(txn, c, std::move(events));
  return case_answer_from(ctx, actor, std::move(c), std::move(facts));
}

json::object case_view(const Domain& domain, const Actor& actor, const Case& c,
                       const CaseFacts& facts, TimePoint now, json::storage_ptr sp) {
  const store::Application& a = c.application;
  const workflow::Definition& def = domain.workflow;
  const std::vector<store::Event>& events = facts.events;
  const std::optional<store::Certificate>& certificate = facts.certificate;
  json::object o(17, sp);
  o["id"] = a.id;
  o["business"] = business_json(def, a.business, sp);
  json::object status = status_json(def, a.status, sp);
  if (const workflow::Status* s = def.status(a.status)) {
    status["editable"] = s->editable;
    status["deletable"] = s->deletable;
    status["final"] = s->final;
  }
  o["status"] = std::move(status);
  json::array progress(sp);
  progress.reserve(def.statuses().size());
  for (const workflow::Status& s : def.statuses()) {
    json::object p(3, sp);
    p["key"] = s.key;
    p["label"] = s.label;
    p["current"] = s.key == a.status;
    progress.push_back(std::move(p));
  }
  o["progress"] = std::move(progress);
  o["latest_reply"] = a.latest_reply;
  std::error_code ec;
  json::value fields = json::parse(a.fields_json.empty() ? "{}" : a.fields_json, ec, sp);
  o["fields"] =
      fields_view(a.business, (ec || !fields.is_object()) ? json::object(sp) : fields.get_object(),
                  c.unit, certificate);
  json::array files(sp);
  for (const store::Attachment& at : facts.attachments)
    files.push_back(attachment_json(domain.rules, at, sp));
  o["attachments"] = std::move(files);
  o["actions"] = actions(def, actor, c, events, sp);
  o["version"] = a.version;
  o["open"] = a.open;
  o["created_at"] = a.created_at;
  o["updated_at"] = a.updated_at;
  put_deadline(o, deadline(def, a, events, now));
  o["unit"] = unit_json(c.unit, sp);
  o["certificate"] =
      certificate ? json::value(certificate_json(*certificate, sp)) : json::value(nullptr);
  return o;
}

std::string ActorNames::name(const std::string& key) {
  for (const auto& [k, v] : known_) {
    if (k == key) return v;
  }
  std::string found;
  if (key == "system") {
    found = "系统";
  } else if (key.rfind("staff:", 0) == 0) {
    store::Id id = 0;
    const char* begin = key.data() + 6;
    const char* end = key.data() + key.size();
    if (std::from_chars(begin, end, id).ptr == end) {
      if (auto s = txn_.staff(id)) found = s->name;
    }
  } else if (key.rfind("unit:", 0) == 0) {
    if (auto u = txn_.unit_by_uscc(key.substr(5))) found = u->name;
  }
  known_.emplace_back(key, found);
  return found;
}

json::object event_json(const workflow::Definition& def, const store::Event& e, ActorNames& names) {
  json::object o(7);
  o["action"] = e.action;
  o["from"] =
      e.from_status.empty() ? json::value(nullptr) : json::value(status_json(def, e.from_status));
  o["to"] = e.to_status.empty() ? json::value(nullptr) : json::value(status_json(def, e.to_status));
  o["actor"] = e.actor;
  o["actor_name"] = names.name(e.actor);
  o["reply"] = e.reply;
  o["at"] = e.at;
  return o;
}

}  // namespace fuma::engine
