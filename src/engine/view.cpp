// SPDX-License-Identifier: Apache-2.0
#include "view.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <utility>

#include "calendar.hpp"
#include "command.hpp"
#include "form.hpp"
#include "fuma/attachments.hpp"
#include "json_text.hpp"
#include "security.hpp"
#include "steps.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

// The label of what `p` points at, or none when it is nothing the
// definitions know (null in the answer).
template <class T>
std::optional<std::string_view> label_of(const T* p) {
  return p ? std::optional<std::string_view>(p->label) : std::nullopt;
}

// The members of each record, listed once: put(key, value) is called for
// each, in order, by the tree builders (PutInto) and by the case page's
// text writer (JsonText::member).
template <class Put>
void unit_members(const store::Unit& u, Put&& put) {
  put("uscc", u.uscc);
  put("name", u.name);
  put("category", u.category);
  put("address", u.address);
  put("responsible_person", u.responsible_person);
  put("revoked", u.revoked);
  put("created_at", u.created_at);
  put("updated_at", u.updated_at);
}

template <class Put>
void certificate_members(const store::Certificate& c, Put&& put) {
  put("serial", c.serial);
  put("issued_on", c.issued_on);
  put("valid_until", c.valid_until);
  put("long_term", !c.valid_until.has_value());
  put("validity", c.valid_until ? std::string_view(*c.valid_until) : kLongTerm);
  put("status", c.status);
}

template <class Put>
void attachment_members(const attachments::Rules& rules, const store::Attachment& a,
                        crypto::Digest digest, Put&& put) {
  put("id", a.id);
  put("kind", a.kind);
  put("label", label_of(rules.kind(a.kind)));
  put("file_name", a.file_name);
  put("media_type", a.media_type);
  put("size", a.size);
  // "sha256" was the member's name while SHA-256 was the only digest; it
  // stays for the callers that read it, with the same value as "digest".
  put("sha256", a.digest);
  put("digest", a.digest);
  put("digest_algorithm", crypto::name(digest));
  put("uploaded_at", a.uploaded_at);
}

template <class Put>
void status_members(const workflow::Definition& def, std::string_view key, Put&& put) {
  put("key", key);
  put("label", label_of(def.status(key)));
}

template <class Put>
void business_members(const workflow::Definition& def, std::string_view key, Put&& put) {
  put("key", key);
  put("label", label_of(def.business(key)));
}

template <class Put>
void deadline_members(const Deadline& d, Put&& put) {
  put("status_since", d.since);
  put("due", d.due ? std::optional<std::string>(format_date(*d.due)) : std::nullopt);
  put("overdue", d.overdue);
  if (d.warning) put("due_warning", *d.warning);
}

// Puts members into a tree, in the tree's own storage.
struct PutInto {
  json::object& o;
  template <class T>
  void operator()(std::string_view key, const T& v) {
    o[key] = v;
  }
  template <class T>
  void operator()(std::string_view key, const std::optional<T>& v) {
    if (v) {
      o[key] = *v;
    } else {
      o[key] = nullptr;
    }
  }
};

// Writes members as text.
struct PutText {
  JsonText& w;
  template <class T>
  void operator()(std::string_view key, const T& v) {
    w.member(key, v);
  }
};

template <class Members>
void write_object(JsonText& w, Members&& members) {
  w.begin_object();
  members(PutText{w});
  w.end_object();
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

// What the page offers its actor, decided inside the transaction from the
// actor, so that the page is written after it without the actor.
struct Offers {
  std::vector<const workflow::Transition*> steps;  // the steps the actor may take
  bool applicant = false;                          // the unit whose case it is
  bool unit_reader = false;  // a unit: staff's notes to each other are left out
};

Offers offers(const workflow::Definition& def, const Actor& actor, const Case& c,
              const std::vector<store::Event>& events) {
  Offers o{def.transitions_from(c.application.status), is_applicant(actor, c), actor.is_unit()};
  o.steps.erase(std::remove_if(
                    o.steps.begin(), o.steps.end(),
                    [&](const workflow::Transition* t) { return !may_step(actor, *t, c, events); }),
                o.steps.end());
  return o;
}

void write_actions(JsonText& w, const workflow::Definition& def, const Offers& offers,
                   const Case& c) {
  w.begin_array();
  for (const workflow::Transition* t : offers.steps) {
    w.begin_object();
    w.member("action", t->action);
    w.member("command", step_command(*t));
    w.key("to");
    write_object(w, [&](auto&& put) { status_members(def, t->to, put); });
    w.member("reply", reply_name(t->reply));
    w.end_object();
  }
  const workflow::Status* status = def.status(c.application.status);
  if (status && offers.applicant) {
    if (status->editable) {
      w.begin_object();
      w.member("action", "upload");
      w.member("command", "attachment.upload");
      w.end_object();
    }
    if (status->deletable) {
      w.begin_object();
      w.member("action", "delete");
      w.member("command", "application.delete");
      w.end_object();
    }
  }
  w.end_array();
}

// The last event with a reply this reader may see: 最新信息 stays until a
// later reply replaces it, whatever steps without one come between.
const store::Event* latest_reply_event(const workflow::Definition& def,
                                       const std::vector<store::Event>& events, bool unit_reader) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (!it->reply.empty() && (!unit_reader || reply_for_unit(def, *it))) return &*it;
  }
  return nullptr;
}

// What 已办结 did, for the unit to read at once: null before the case is
// final.
void write_outcome(JsonText& w, const workflow::Definition& def, const store::Application& a,
                   const std::vector<store::Event>& events,
                   const std::optional<store::Certificate>& certificate) {
  const workflow::Status* status = def.status(a.status);
  if (status == nullptr || !status->final) {
    w.value(nullptr);
    return;
  }
  std::string completed_at = a.updated_at;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->to_status == a.status && it->from_status != it->to_status) {
      completed_at = it->at;
      break;
    }
  }
  const workflow::Business* b = def.business(a.business);
  w.begin_object();
  w.member("status", status->label);
  w.member("completed_at", completed_at);
  w.member("summary", b ? b->outcome : std::nullopt);
  w.member("next_steps", b ? b->next_steps : std::nullopt);
  // The certificate this completion issued (补领, 换领): the unit's active
  // one when it was made at the completion.
  w.key("certificate");
  const bool issued = b && b->completion == workflow::Completion::new_certificate && certificate &&
                      certificate->created_at == completed_at;
  if (issued) {
    write_object(w, [&](auto&& put) { certificate_members(*certificate, put); });
  } else {
    w.value(nullptr);
  }
  w.end_object();
}

// Writes the application page, as the answer's member "application", from
// what was read and decided inside the transaction.
void write_case_page(JsonText& w, const Domain& domain, const Offers& offers, const Case& c,
                     const CaseFacts& facts, TimePoint now, crypto::Digest digest);

// The answer whose page is written after the transaction, from `facts`.
Output case_answer_from(const Context& ctx, const Actor& actor, Case c, CaseFacts facts) {
  Offers o = offers(ctx.domain.workflow, actor, c, facts.events);
  Output out;
  out.write = [&ctx, o = std::move(o), c = std::move(c), facts = std::move(facts)](JsonText& w) {
    write_case_page(w, ctx.domain, o, c, facts, ctx.now, ctx.security->digest());
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

json::object unit_json(const store::Unit& u) {
  json::object o(8);
  unit_members(u, PutInto{o});
  return o;
}

json::object certificate_json(const store::Certificate& c) {
  json::object o(6);
  certificate_members(c, PutInto{o});
  return o;
}

json::object attachment_json(const attachments::Rules& rules, const store::Attachment& a,
                             crypto::Digest digest, json::storage_ptr sp) {
  json::object o(10, std::move(sp));
  attachment_members(rules, a, digest, PutInto{o});
  return o;
}

json::object status_json(const workflow::Definition& def, std::string_view key) {
  json::object o(2);
  status_members(def, key, PutInto{o});
  return o;
}

json::object business_json(const workflow::Definition& def, std::string_view key) {
  json::object o(2);
  business_members(def, key, PutInto{o});
  return o;
}

Deadline deadline(const Domain& domain, const store::Application& a,
                  const std::vector<store::Event>& events, TimePoint now) {
  Deadline d;
  d.since = a.created_at;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->to_status == a.status && it->from_status != it->to_status) {
      d.since = it->at;
      break;
    }
  }
  const workflow::Status* s = domain.workflow.status(a.status);
  const std::optional<TimePoint> since = parse_iso_time(d.since);
  if (s && s->time_limit_days && since && a.open) {
    const Due due = add_working_days(domain.calendar, china_date(*since), *s->time_limit_days);
    d.due = due.date;
    d.overdue = china_date(now) > *d.due;
    if (!due.uncovered.empty()) d.warning = uncovered_warning(due.uncovered);
  }
  return d;
}

void put_deadline(json::object& o, const Deadline& d) { deadline_members(d, PutInto{o}); }

CaseFacts case_facts(store::Transaction& txn, const Case& c) {
  store::ReadAhead ahead;
  ahead.case_facts = c.application.id;
  ahead.case_unit = c.unit.id;
  txn.read_ahead(ahead);
  return case_facts(txn, c, txn.events(c.application.id));
}

CaseFacts case_facts(store::Transaction& txn, const Case& c, std::vector<store::Event> events) {
  store::ReadAhead ahead;
  ahead.case_facts = c.application.id;
  ahead.case_events = false;
  ahead.case_unit = c.unit.id;
  txn.read_ahead(ahead);
  return CaseFacts{std::move(events), txn.active_certificate(c.unit.id),
                   txn.attachments(c.application.id)};
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

namespace {

void write_case_page(JsonText& w, const Domain& domain, const Offers& offers, const Case& c,
                     const CaseFacts& facts, TimePoint now, crypto::Digest digest) {
  const store::Application& a = c.application;
  const workflow::Definition& def = domain.workflow;
  const std::vector<store::Event>& events = facts.events;
  const std::optional<store::Certificate>& certificate = facts.certificate;
  w.key("application");
  w.begin_object();
  w.member("id", a.id);
  w.key("business");
  write_object(w, [&](auto&& put) { business_members(def, a.business, put); });
  w.key("status");
  w.begin_object();
  status_members(def, a.status, PutText{w});
  if (const workflow::Status* s = def.status(a.status)) {
    w.member("editable", s->editable);
    w.member("deletable", s->deletable);
    w.member("final", s->final);
  }
  w.end_object();
  w.key("progress");
  w.begin_array();
  for (const workflow::Status& s : def.statuses()) {
    w.begin_object();
    w.member("key", s.key);
    w.member("label", s.label);
    w.member("current", s.key == a.status);
    w.end_object();
  }
  w.end_array();
  const store::Event* latest = latest_reply_event(def, events, offers.unit_reader);
  w.member("latest_reply", latest ? std::string_view(latest->reply) : std::string_view());
  w.key("latest");
  if (latest) {
    w.begin_object();
    w.member("reply", latest->reply);
    w.member("at", latest->at);
    w.member("action", latest->action);
    w.key("status");
    write_object(w, [&](auto&& put) { status_members(def, latest->to_status, put); });
    w.end_object();
  } else {
    w.value(nullptr);
  }
  w.key("outcome");
  write_outcome(w, def, a, events, certificate);
  std::error_code ec;
  unsigned char first_block[2048];  // the fields of a form fit: no allocation
  json::monotonic_resource arena(first_block, sizeof first_block);
  json::value fields = json::parse(a.fields_json.empty() ? "{}" : a.fields_json, ec, &arena);
  const workflow::Business* business = def.business(a.business);
  w.member("fields", json::value(fields_view(
                         business ? business->entry : workflow::Entry::none,
                         (ec || !fields.is_object()) ? json::object(&arena) : fields.get_object(),
                         c.unit, certificate)));
  w.key("attachments");
  w.begin_array();
  for (const store::Attachment& at : facts.attachments) {
    write_object(w, [&](auto&& put) { attachment_members(domain.rules, at, digest, put); });
  }
  w.end_array();
  w.key("actions");
  write_actions(w, def, offers, c);
  w.member("version", a.version);
  w.member("open", a.open);
  w.member("created_at", a.created_at);
  w.member("updated_at", a.updated_at);
  deadline_members(deadline(domain, a, events, now), PutText{w});
  w.key("unit");
  write_object(w, [&](auto&& put) { unit_members(c.unit, put); });
  w.key("certificate");
  if (certificate) {
    write_object(w, [&](auto&& put) { certificate_members(*certificate, put); });
  } else {
    w.value(nullptr);
  }
  w.end_object();
}

}  // namespace

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

bool reply_for_unit(const workflow::Definition& def, const store::Event& e) {
  // A step the definition no longer has keeps its reply among staff.
  const workflow::Transition* t = def.transition(e.from_status, e.action);
  return t != nullptr && t->reply_to_unit;
}

json::object event_json(const workflow::Definition& def, const store::Event& e, ActorNames& names,
                        bool unit_reader) {
  json::object o(7);
  o["action"] = e.action;
  o["from"] =
      e.from_status.empty() ? json::value(nullptr) : json::value(status_json(def, e.from_status));
  o["to"] = e.to_status.empty() ? json::value(nullptr) : json::value(status_json(def, e.to_status));
  o["actor"] = e.actor;
  o["actor_name"] = names.name(e.actor);
  o["reply"] = unit_reader && !reply_for_unit(def, e) ? std::string() : e.reply;
  o["at"] = e.at;
  return o;
}

}  // namespace fuma::engine
