// SPDX-License-Identifier: Apache-2.0
// The case engine: an application from application.start through the
// applicant's 暂存/提交/删除申报材料 and the authority's steps to 已办结,
// where the business takes effect on the unit and its certificate. Which
// step may follow which, who takes it and whether it needs a reply all come
// from the workflow definition; this file only says what each command does.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <utility>

#include "actor.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "form.hpp"
#include "fuma/attachments.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "operation.hpp"
#include "steps.hpp"
#include "text.hpp"
#include "view.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

std::string target_of(store::Id id) { return "application:" + std::to_string(id); }

const workflow::Status& status_of(const workflow::Definition& def, const store::Application& a) {
  const workflow::Status* s = def.status(a.status);
  if (s == nullptr) {
    throw Error(Errc::internal, "application " + std::to_string(a.id) + " is in status '" +
                                    a.status + "', which the workflow does not define");
  }
  return *s;
}

[[noreturn]] void invalid_state(const workflow::Definition& def, const store::Application& a,
                                std::string what) {
  throw Error(Errc::invalid_state, what + " not allowed in status '" + a.status + "'",
              "当前办理进度为“" + status_of(def, a).label + "”，不能进行此操作");
}

void check_version(const store::Application& a, std::optional<std::uint64_t> version) {
  if (version && static_cast<std::int64_t>(*version) != a.version) {
    throw Error(Errc::conflict,
                "stale version " + std::to_string(*version) + ", the application is at version " +
                    std::to_string(a.version),
                "申请已被修改，请刷新后重试");
  }
}

// Writes the application, bumping its version; a concurrent change that got
// there first makes this a conflict rather than a lost update.
void save(store::Transaction& txn, store::Application& a) {
  if (!txn.update_application(a, a.version)) {
    throw Error(Errc::conflict, "the application changed meanwhile", "申请已被修改，请刷新后重试");
  }
  ++a.version;
}

// The event as stored (its id, which no answer shows, is left at 0).
store::Event record_event(store::Transaction& txn, const store::Application& a, std::string action,
                          const std::string& from, const std::string& to, const Actor& actor,
                          std::string reply, const std::string& at) {
  store::Event e;
  e.application_id = a.id;
  e.action = std::move(action);
  e.from_status = from;
  e.to_status = to;
  e.actor = actor.key;
  e.reply = std::move(reply);
  e.at = at;
  e.business = a.business;
  txn.insert_event(e);
  return e;
}

json::object stored_fields(const store::Application& a) {
  std::error_code ec;
  json::value v = json::parse(a.fields_json.empty() ? "{}" : a.fields_json, ec);
  if (ec || !v.is_object()) {
    throw Error(Errc::internal, "application " + std::to_string(a.id) + " has unreadable fields");
  }
  return std::move(v.get_object());
}

// The entry form of the case's business; none when the workflow no longer
// has the business (form.hpp then answers INTERNAL).
workflow::Entry entry_of(const workflow::Definition& def, const store::Application& a) {
  const workflow::Business* b = def.business(a.business);
  return b ? b->entry : workflow::Entry::none;
}

// --- effects of completion ----------------------------------------------------

// A case reaching a final status, with what its completion may change.
struct Completed {
  store::Transaction& txn;
  store::Unit& unit;
  const store::Application& application;
  const std::string& now;
  const Date& today;
};

// The next serial of a unit's certificate: "<USCC>-01" counts up. A serial
// of another shape (imported) restarts at -02 under the unit's USCC.
std::string next_serial(const store::Unit& unit, const std::string& current) {
  int n = 1;
  const std::string prefix = unit.uscc + "-";
  if (current.rfind(prefix, 0) == 0) {
    const char* begin = current.data() + prefix.size();
    const char* end = current.data() + current.size();
    int parsed = 0;
    if (std::from_chars(begin, end, parsed).ptr == end && parsed > 0) n = parsed;
  }
  std::string number = std::to_string(n + 1);
  if (number.size() < 2) number.insert(0, 2 - number.size(), '0');
  return prefix + number;
}

std::optional<store::Certificate> active_certificate(Completed& e) {
  std::optional<store::Certificate> c = e.txn.active_certificate(e.unit.id);
  if (!c) {
    throw Error(Errc::invalid_state, "unit " + e.unit.uscc + " has no active certificate",
                "该单位没有有效的证书");
  }
  return c;
}

// The certificate stays the one on record (its validity is never an online
// change); the unit's record takes the new values.
void change_records(Completed& e) {
  active_certificate(e);
  apply_change(stored_fields(e.application), e.unit);
  e.unit.updated_at = e.now;
  e.txn.update_unit(e.unit);
}

// 补领 and 换领: a new certificate with the same validity; the old serial
// stays on record as superseded, so a found or returned old certificate is
// recognisably void.
void issue_new_certificate(Completed& e) {
  std::optional<store::Certificate> old = active_certificate(e);
  old->status = "superseded";
  e.txn.update_certificate(*old);
  store::Certificate c;
  c.unit_id = e.unit.id;
  c.serial = next_serial(e.unit, old->serial);
  c.issued_on = format_date(e.today);
  c.valid_until = old->valid_until;
  c.created_at = e.now;
  e.txn.insert_certificate(c);
}

// Everything that lets a unit act stops with its code, in the same
// transaction: its login credentials are revoked and its sessions end.
void on_unit_revoked(Completed& e) {
  for (store::Credential c : e.txn.credentials_of_unit(e.unit.id)) {
    if (c.status != "active") continue;
    c.status = "revoked";
    c.revoked_at = e.now;
    c.revoked_reason = "unit_revoked";
    e.txn.update_credential(c);
  }
  e.txn.end_sessions_of_unit(e.unit.id, e.now, "unit_revoked");
}

void revoke_unit(Completed& e) {
  std::optional<store::Certificate> c = active_certificate(e);
  c->status = "revoked";
  e.txn.update_certificate(*c);
  e.unit.revoked = true;
  e.unit.updated_at = e.now;
  e.txn.update_unit(e.unit);
  on_unit_revoked(e);
}

// What reaching a final status does: the business's completion, from the
// workflow definition.
void take_effect(const workflow::Definition& def, Completed& e) {
  const workflow::Business* b = def.business(e.application.business);
  switch (b ? b->completion : workflow::Completion::none) {
    case workflow::Completion::none:
      return;
    case workflow::Completion::change_records:
      change_records(e);
      return;
    case workflow::Completion::new_certificate:
      issue_new_certificate(e);
      return;
    case workflow::Completion::revoke_unit:
      revoke_unit(e);
      return;
  }
}

// Moves the case along transition t: status, reply, openness, the effect of
// a final status, the event and the audit record's statuses. The event, if
// the step records one for 历史信息, is appended to `history`, the case's
// events as the step read them.
void advance(const workflow::Definition& def, store::Transaction& txn, const Actor& actor, Case& c,
             const workflow::Transition& t, const std::string& reply, bool staff_step,
             TimePoint now, Audited& audited, std::vector<store::Event>& history) {
  store::Application& a = c.application;
  const std::string from = a.status;
  const std::string at = iso_time(now);
  const workflow::Status* to = def.status(t.to);
  a.status = t.to;
  // The last reply stays the last one until another comes: a step without
  // one leaves 最新信息 as it was (the page shows when and at which step it
  // was written). Who may read it is the view's to decide.
  if (staff_step && !reply.empty()) a.latest_reply = reply;
  a.open = !(to && to->final);
  a.updated_at = at;
  save(txn, a);
  if (!a.open) {
    const Date today = china_date(now);
    Completed e{txn, c.unit, a, at, today};
    take_effect(def, e);
  }
  audited.target = target_of(a.id);
  audited.before_status = from;
  audited.after_status = a.status;
  // 历史信息 lists changes of status and replies; a 暂存 is neither.
  if (from != t.to || !reply.empty()) {
    history.push_back(record_event(txn, a, t.action, from, t.to, actor, reply, at));
  }
}

// --- commands -------------------------------------------------------------------

// The online business named `key`: unknown is INVALID_ARGUMENT, on site
// ON_SITE_ONLY, before any identity (the portal shows 需要现场办理 to anyone
// who asks).
const workflow::Business& online_business(const workflow::Definition& def, const std::string& key) {
  const workflow::Business* business = def.business(key);
  if (business == nullptr) {
    throw Error(Errc::invalid_argument, "unknown business '" + key + "'", "未知的业务类型");
  }
  if (!business->online) {
    throw Error(Errc::on_site_only, "business '" + key + "' is done on site", "需要现场办理");
  }
  return *business;
}

[[noreturn]] void already_open(const workflow::Definition& def, const store::Unit& unit,
                               const store::Application& open) {
  const workflow::Business* b = def.business(open.business);
  throw Error(
      Errc::conflict, "unit " + unit.uscc + " has open application " + std::to_string(open.id),
      "本单位已有未办结的" + (b ? b->label : std::string("申请")) + "，请办结或删除后再申请");
}

// What the unit looks at before a case exists: the business's entry form,
// whose old values are the unit's and its certificate's, and the open case
// that would stand in the way of starting one. Looking creates nothing.
Output preview(Context& ctx) {
  const std::string key(ctx.args.string("business"));
  ctx.args.finish();
  const workflow::Definition& def = ctx.domain.workflow;
  const workflow::Business& business = online_business(def, key);
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    const store::Unit& unit = require_unit(actor);
    json::object out;
    out["business"] = business_json(def, key);
    out["entry"] = workflow::entry_name(business.entry);
    out["initial_status"] = status_json(def, def.initial().key);
    // 办理进度 as the case would show it once created: at the initial status.
    json::array progress;
    for (const workflow::Status& st : def.statuses()) {
      json::object o;
      o["key"] = st.key;
      o["label"] = st.label;
      o["current"] = st.initial;
      progress.push_back(std::move(o));
    }
    out["progress"] = std::move(progress);
    out["unit"] = unit_json(unit);
    const std::optional<store::Certificate> cert = txn.active_certificate(unit.id);
    out["certificate"] = cert ? json::value(certificate_json(*cert)) : json::value(nullptr);
    json::value open = nullptr;
    if (auto a = txn.open_application(unit.id)) {
      json::object o;
      o["id"] = a->id;
      o["business"] = business_json(def, a->business);
      o["status"] = status_json(def, a->status);
      open = std::move(o);
    }
    out["open_application"] = std::move(open);
    return answer(std::move(out));
  });
}

Output start(Context& ctx) {
  const std::string key(ctx.args.string("business"));
  const json::object* fields = ctx.args.optional_object("fields");
  ctx.args.finish();
  const workflow::Definition& def = ctx.domain.workflow;
  const workflow::Business& business = online_business(def, key);
  // The first 暂存 starts the case with what was typed, in one step: a draft
  // whose input is refused is not created at all.
  const std::string first_fields =
      fields ? json::serialize(check_draft(business.entry, *fields)) : std::string("{}");
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    const store::Unit& unit = require_unit(actor);
    if (auto open = txn.open_application(unit.id)) already_open(def, unit, *open);
    const workflow::Status& initial = def.initial();
    const std::string at = iso_time(ctx.now);
    store::Application a;
    a.unit_id = unit.id;
    a.business = key;
    a.status = initial.key;
    a.fields_json = first_fields;
    a.open = !initial.final;
    a.created_at = at;
    a.updated_at = at;
    a.id = txn.insert_application(a);
    std::vector<store::Event> events{record_event(txn, a, "start", "", a.status, actor, "", at)};
    audited.target = target_of(a.id);
    audited.after_status = a.status;
    return case_answer(ctx, txn, actor, Case{a, unit}, std::move(events));
  });
}

Output save_draft(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  const json::object* fields = ctx.args.optional_object("fields");
  const auto version = ctx.args.optional_uint("version");
  ctx.args.finish();
  if (fields == nullptr) {
    throw Error(Errc::invalid_argument, "args.fields is required", "缺少申请信息");
  }
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    Case c = load_case(txn, actor, id);
    std::vector<store::Event> events = txn.events(id);
    const workflow::Definition& def = ctx.domain.workflow;
    const workflow::Transition& t = authorize_step(actor, def, c, "save", events);
    if (!status_of(def, c.application).editable) invalid_state(def, c.application, "save");
    check_version(c.application, version);
    c.application.fields_json = json::serialize(check_draft(entry_of(def, c.application), *fields));
    advance(def, txn, actor, c, t, "", false, ctx.now, audited, events);
    return case_answer(ctx, txn, actor, std::move(c), std::move(events));
  });
}

// The action of the validating (submit-like) step from `status`, or of any
// validating step when there is none from there, so that authorize_step
// tells "not you" from "not now".
std::string validating_action(const workflow::Definition& def, std::string_view status) {
  for (const workflow::Transition* t : def.transitions_from(status)) {
    if (t->validates) return t->action;
  }
  for (const workflow::Transition& t : def.transitions()) {
    if (t.validates) return t.action;
  }
  throw Error(Errc::internal, "the workflow has no validating step");
}

void check_attachments(const attachments::Rules& rules, store::Transaction& txn, const Case& c,
                       const json::object& fields) {
  const std::optional<store::Certificate> cert = txn.active_certificate(c.unit.id);
  const auto validity = cert && cert->valid_until ? attachments::Validity::fixed_term
                                                  : attachments::Validity::long_term;
  const auto required = rules.required(c.application.business, validity, change_items(fields));
  const std::vector<store::Attachment> files = txn.attachments(c.application.id);
  std::vector<Problem> missing;
  std::string labels;
  for (const attachments::Kind* k : required) {
    const bool present = std::any_of(files.begin(), files.end(),
                                     [&](const store::Attachment& f) { return f.kind == k->key; });
    if (present) continue;
    missing.push_back(Problem{"attachments", "请上传" + k->label, k->key, k->label});
    labels += (labels.empty() ? "" : "、") + k->label;
  }
  if (!missing.empty()) {
    throw Error(Errc::missing_attachments,
                std::to_string(missing.size()) + " required attachment kind(s) missing",
                "请上传所需的附件材料：" + labels, std::move(missing));
  }
}

Output submit(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  const auto version = ctx.args.optional_uint("version");
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    Case c = load_case(txn, actor, id);
    std::vector<store::Event> events = txn.events(id);
    const workflow::Definition& def = ctx.domain.workflow;
    const workflow::Transition& t =
        authorize_step(actor, def, c, validating_action(def, c.application.status), events);
    check_version(c.application, version);
    const json::object fields =
        validate_submission(entry_of(def, c.application), stored_fields(c.application), c.unit,
                            txn.active_certificate(c.unit.id));
    check_attachments(ctx.domain.rules, txn, c, fields);
    c.application.fields_json = json::serialize(fields);
    advance(def, txn, actor, c, t, "", false, ctx.now, audited, events);
    return case_answer(ctx, txn, actor, std::move(c), std::move(events));
  });
}

Output remove(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  const auto version = ctx.args.optional_uint("version");
  ctx.args.finish();
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    Case c = load_case(txn, actor, id);
    require_applicant(actor, c);
    const workflow::Definition& def = ctx.domain.workflow;
    if (!status_of(def, c.application).deletable) invalid_state(def, c.application, "delete");
    check_version(c.application, version);
    const std::string at = iso_time(ctx.now);
    // The event goes first: 历史信息 keeps it after the material is gone.
    record_event(txn, c.application, "delete", c.application.status, "", actor, "", at);
    txn.delete_application(id);
    audited.target = target_of(id);
    audited.before_status = c.application.status;
    json::object out;
    out["deleted"] = id;
    return answer(std::move(out));
  });
}

// application.accept, .reject, .approve, .return, .forward, .notify,
// .complete: the step named after the command.
Output step(Context& ctx) {
  const std::string action(ctx.command.substr(ctx.command.find('.') + 1));
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  const std::string_view raw_reply = ctx.args.optional_string("reply").value_or("");
  const auto version = ctx.args.optional_uint("version");
  ctx.args.finish();
  Checked reply = check_text(raw_reply, "回复信息", TextRule{500, true});
  if (!reply.problem.empty()) {
    throw Error(Errc::invalid_argument, "args.reply is not acceptable", reply.problem,
                {Problem{"reply", reply.problem, {}, {}}});
  }
  return write_command(ctx, [&](store::Transaction& txn, const Actor& actor, Audited& audited) {
    Case c = load_case(txn, actor, id);
    std::vector<store::Event> events = txn.events(id);
    const workflow::Definition& def = ctx.domain.workflow;
    const workflow::Transition& t = authorize_step(actor, def, c, action, events);
    if (t.reply == workflow::Reply::required && reply.value.empty()) {
      throw Error(Errc::invalid_argument, "'" + action + "' requires a reply", "请填写回复信息",
                  {Problem{"reply", "请填写回复信息", {}, {}}});
    }
    if (t.reply == workflow::Reply::none && !reply.value.empty()) {
      throw Error(Errc::invalid_argument, "'" + action + "' takes no reply", "此操作不需要回复信息",
                  {Problem{"reply", "此操作不需要回复信息", {}, {}}});
    }
    check_version(c.application, version);
    advance(def, txn, actor, c, t, reply.value, t.role != workflow::Role::applicant, ctx.now,
            audited, events);
    return case_answer(ctx, txn, actor, std::move(c), std::move(events));
  });
}

using workflow::Role;

constexpr std::string_view kCaseAnswer = R"({"$ref": "#/$defs/case_answer"})";

// What every command on a case may answer besides the frame's: the case is
// not there (or not the actor's), not in a status for this, or changed
// since the version the caller saw.
constexpr std::uint64_t kCaseErrors = errors(Errc::not_found, Errc::invalid_state, Errc::conflict);

constexpr Command kStart = [] {
  Command c;
  c.name = "application.start";
  c.summary_zh =
      "新建申请：申请变更、申请补领、申请换领或申请撤销（申请初领、证书延期需要现场办理）";
  c.summary_en =
      "Open a change, reissue, replace or revoke case, as the unit first saves (暂存) or "
      "confirms; initial and extension answer ON_SITE_ONLY.";
  c.callers = caller::any_unit;
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["business"],
    "properties": {"business": {"type": "string",
                                "description": "a business key of the workflow, e.g. change"},
                   "fields": {"type": ["object", "null"],
                              "description": "the first 暂存: checked as application.save checks them, and kept; refused, nothing is created"}}})";
  c.result = kCaseAnswer;
  c.errors = errors(Errc::on_site_only, Errc::conflict);
  c.run = start;
  return c;
}();

constexpr Command kPreview = [] {
  Command c;
  c.name = "application.preview";
  c.summary_zh = "查看业务的申请信息录入项（不新建申请）";
  c.summary_en =
      "What a business asks before any case exists: its entry form, the unit and "
      "certificate "
      "its old values come from, and the open case that would block a new one. Creates "
      "nothing.";
  c.callers = caller::any_unit;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["business"],
    "properties": {"business": {"type": "string",
                                "description": "a business key of the workflow, e.g. replace"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["business", "entry", "initial_status", "progress", "unit", "certificate",
                 "open_application"],
    "properties": {
      "business": {"$ref": "#/$defs/named"},
      "entry": {"enum": ["change_items", "reason"],
                "description": "the entry form: change items with old and new values, or a reason"},
      "initial_status": {"$ref": "#/$defs/named",
                         "description": "where the case starts: 未提交"},
      "progress": {"type": "array", "description": "办理进度 as the case would show it, at initial_status",
        "items": {"type": "object", "additionalProperties": false,
          "required": ["key", "label", "current"],
          "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                         "current": {"type": "boolean"}}}},
      "unit": {"$ref": "#/$defs/unit"},
      "certificate": {"anyOf": [{"$ref": "#/$defs/certificate"}, {"type": "null"}]},
      "open_application": {"anyOf": [{"type": "null"}, {"type": "object",
        "additionalProperties": false, "required": ["id", "business", "status"],
        "properties": {"id": {"$ref": "#/$defs/id"}, "business": {"$ref": "#/$defs/named"},
                       "status": {"$ref": "#/$defs/named"}}}],
        "description": "the unit's open case, at most one: application.start answers CONFLICT while there is one"}}})";
  c.errors = errors(Errc::on_site_only);
  c.run = preview;
  return c;
}();

constexpr Command kSave = [] {
  Command c;
  c.name = "application.save";
  c.summary_zh = "暂存申请信息";
  c.summary_en = "Save the entry form as a draft (暂存): shapes and types are checked, not more.";
  c.callers = caller::any_unit;
  c.roles = roles(Role::applicant);
  c.step = "save";
  c.effect = Effect::write;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["id", "fields"],
    "properties": {
      "id": {"type": "integer", "minimum": 0, "description": "the application"},
      "fields": {"type": "object",
        "description": "the entry form. change: items (up to 10 of {item: name, address, responsible_person or category (validity is refused: 证书延期需要现场办理); new: up to 1000 characters; old: ignored, old values come from the records}) and an optional reason; reissue, replace, revoke: reason (up to 1000 characters). The form checks its own fields, to name each problem as the page does (reason, items[0].new) with the item's label"},
      "version": {"type": ["integer", "null"], "minimum": 0,
                  "description": "the version the caller saw; another answers CONFLICT"}}})";
  c.result = kCaseAnswer;
  c.errors = kCaseErrors;
  c.run = save_draft;
  return c;
}();

constexpr std::string_view kIdVersion = R"({"type": "object", "additionalProperties": false,
    "required": ["id"],
    "properties": {
      "id": {"type": "integer", "minimum": 0, "description": "the application"},
      "version": {"type": ["integer", "null"], "minimum": 0,
                  "description": "the version the caller saw; another answers CONFLICT"}}})";

constexpr Command kSubmit = [] {
  Command c;
  c.name = "application.submit";
  c.summary_zh = "提交申请：校验录入信息和所需附件";
  c.summary_en =
      "Submit (提交): every field is checked, and the attachments the checklist requires.";
  c.callers = caller::any_unit;
  c.roles = roles(Role::applicant);
  c.step = "submit";
  c.effect = Effect::write;
  c.args = kIdVersion;
  c.result = kCaseAnswer;
  c.errors = kCaseErrors | errors(Errc::missing_attachments);
  c.run = submit;
  return c;
}();

constexpr Command kDelete = [] {
  Command c;
  c.name = "application.delete";
  c.summary_zh = "删除申报材料（未提交、未通过时）";
  c.summary_en = "Delete the application and all its material (in 未提交 and 未通过 only).";
  c.callers = caller::any_unit;
  c.effect = Effect::write;
  c.args = kIdVersion;
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["deleted"],
    "properties": {"deleted": {"$ref": "#/$defs/id"}}})";
  c.errors = kCaseErrors;
  c.run = remove;
  return c;
}();

constexpr std::string_view kStepArgs = R"({"type": "object", "additionalProperties": false,
    "required": ["id"],
    "properties": {
      "id": {"type": "integer", "minimum": 0, "description": "the application"},
      "reply": {"type": ["string", "null"],
                "description": "回复信息, up to 500 characters: required, optional or refused as the step says"},
      "version": {"type": ["integer", "null"], "minimum": 0,
                  "description": "the version the caller saw; another answers CONFLICT"}}})";

// One of the authority's steps, named after its workflow action.
constexpr Command staff_step(std::string_view name, std::string_view action, unsigned role_bits,
                             std::string_view zh, std::string_view en) {
  Command c;
  c.name = name;
  c.summary_zh = zh;
  c.summary_en = en;
  c.callers = caller::any_staff;
  c.roles = role_bits;
  c.step = action;
  c.effect = Effect::write;
  c.args = kStepArgs;
  c.result = kCaseAnswer;
  c.errors = kCaseErrors;
  c.run = step;
  return c;
}

constexpr Command kSteps[] = {
    staff_step("application.accept", "accept", roles(Role::acceptor), "受理",
               "Accept a submitted case (待受理 → 待复核)."),
    staff_step("application.reject", "reject", roles(Role::acceptor), "不予通过（须回复原因）",
               "Reject a case, with the reason as reply (→ 未通过)."),
    staff_step("application.approve", "approve", roles(Role::reviewer),
               "复核通过（复核人不得是受理人）",
               "Approve an accepted case (→ 待通知); four eyes: not its acceptor."),
    staff_step("application.return", "return", roles(Role::reviewer), "复核退回（须回复原因）",
               "Return an accepted case to its acceptor, with the reason (→ 复核退回)."),
    staff_step("application.forward", "forward", roles(Role::acceptor), "重新提交复核",
               "Send a returned case to review again (→ 待复核)."),
    staff_step("application.notify", "notify", roles(Role::acceptor),
               "通知单位寄送签字盖章的申请表及需收回的材料",
               "Tell the unit what to send or hand in, as reply (→ 待打印)."),
    staff_step("application.complete", "complete", roles(Role::acceptor), "打印证书并办结",
               "Complete the case (→ 已办结): the business takes effect on the unit."),
};

}  // namespace

std::vector<workflow::Runtime::Step> step_actions() {
  std::vector<workflow::Runtime::Step> out;
  for (const Command& c : commands()) {
    // application.submit takes the validating steps, whatever their action;
    // the others take the action they are named after.
    if (c.step.empty() || c.name == kSubmit.name ||
        c.name != "application." + std::string(c.step)) {
      continue;
    }
    out.push_back({std::string(c.step), (c.callers & caller::any_unit) != 0});
  }
  return out;
}

std::string step_command(const workflow::Transition& t) {
  return t.validates ? std::string(kSubmit.name) : "application." + t.action;
}

std::vector<Command> application_commands() {
  std::vector<Command> list{kDelete, kPreview, kSave, kStart, kSubmit};
  list.insert(list.end(), std::begin(kSteps), std::end(kSteps));
  return list;
}

}  // namespace fuma::engine
