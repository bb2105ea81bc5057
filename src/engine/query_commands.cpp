// SPDX-License-Identifier: Apache-2.0
// Reading cases: application.view (the application page), unit.history
// (历史信息), queue.list (the authority's work queues), audit.verify, and
// unit.lookup (事业单位法人信息查询, the public registry anyone may search).
#include <algorithm>
#include <boost/json/array.hpp>
#include <charconv>
#include <map>

#include "actor.hpp"
#include "audit.hpp"
#include "clock.hpp"
#include "command.hpp"
#include "fuma/error.hpp"
#include "fuma/uscc.hpp"
#include "operation.hpp"
#include "security.hpp"
#include "text.hpp"
#include "view.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

Output view(Context& ctx) {
  const store::Id id = static_cast<store::Id>(ctx.args.uint("id"));
  ctx.case_id = id;
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    return case_answer(ctx, txn, actor, load_case(txn, actor, id));
  });
}

Output history(Context& ctx) {
  const auto uscc = ctx.args.optional_string("uscc");
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    std::optional<store::Unit> unit;
    if (uscc) {
      unit = txn.unit_by_uscc(*uscc);
    } else if (actor.is_unit()) {
      unit = actor.unit;
    } else {
      throw Error(Errc::invalid_argument, "args.uscc is required", "请指定单位");
    }
    if (!unit) throw Error(Errc::not_found, "no unit", "未找到相关记录");
    require_can_see(actor, *unit);
    // Events outlive deleted applications: group them by application, and
    // list every application any event names, newest first.
    std::map<store::Id, std::vector<store::Event>, std::greater<>> by_application;
    for (store::Event& e : txn.events_of_unit(unit->id)) {
      by_application[e.application_id].push_back(std::move(e));
    }
    std::map<store::Id, store::Application> existing;
    for (store::Application& a : txn.applications_of_unit(unit->id)) {
      by_application[a.id];
      existing.emplace(a.id, std::move(a));
    }
    const workflow::Definition& def = ctx.domain.workflow;
    ActorNames names(txn);
    json::array list;
    for (const auto& [id, events] : by_application) {
      json::object o;
      o["id"] = id;
      auto it = existing.find(id);
      o["deleted"] = it == existing.end();
      if (it != existing.end()) {
        o["business"] = business_json(def, it->second.business);
        o["status"] = status_json(def, it->second.status);
        o["open"] = it->second.open;
        o["created_at"] = it->second.created_at;
        o["updated_at"] = it->second.updated_at;
      } else {
        // A deleted application leaves only its events, which name its kind.
        o["business"] = events.empty() || events.front().business.empty()
                            ? json::value(nullptr)
                            : json::value(business_json(def, events.front().business));
        o["status"] = nullptr;
        o["open"] = false;
        o["created_at"] = events.empty() ? json::value(nullptr) : json::value(events.front().at);
        o["updated_at"] = events.empty() ? json::value(nullptr) : json::value(events.back().at);
      }
      json::array ev;
      for (const store::Event& e : events) {
        ev.push_back(event_json(def, e, names, actor.is_unit()));
      }
      o["events"] = std::move(ev);
      list.push_back(std::move(o));
    }
    json::object out;
    out["unit"] = unit_json(*unit);
    out["applications"] = std::move(list);
    return answer(std::move(out));
  });
}

constexpr std::uint64_t kDefaultPage = 20;
constexpr std::uint64_t kMaxPage = 100;

// A page cursor is "<updated_at>|<id>" of the last row of the page before:
// opaque to callers, readable in logs.
std::string cursor(const store::QueuePosition& p) {
  return p.updated_at + "|" + std::to_string(p.id);
}

store::QueuePosition parse_cursor(std::string_view text) {
  const std::size_t bar = text.rfind('|');
  store::QueuePosition p;
  bool ok = bar != std::string_view::npos && parse_iso_time(text.substr(0, bar)).has_value();
  if (ok) {
    p.updated_at = std::string(text.substr(0, bar));
    const char* end = text.data() + text.size();
    auto r = std::from_chars(text.data() + bar + 1, end, p.id);
    ok = r.ec == std::errc() && r.ptr == end && p.id > 0;
  }
  if (!ok) throw Error(Errc::invalid_argument, "args.after is not a queue cursor", "分页参数有误");
  return p;
}

Output queue(Context& ctx) {
  const std::string status(ctx.args.string("status"));
  const bool overdue_only = ctx.args.optional_bool("overdue_only").value_or(false);
  const std::uint64_t limit = ctx.args.optional_uint("limit").value_or(kDefaultPage);
  const auto after = ctx.args.optional_string("after");
  ctx.args.finish();
  const workflow::Definition& def = ctx.domain.workflow;
  if (def.status(status) == nullptr) {
    throw Error(Errc::invalid_argument, "unknown status '" + status + "'", "未知的办理进度");
  }
  if (limit < 1 || limit > kMaxPage) {
    throw Error(Errc::invalid_argument, "args.limit must be 1 to " + std::to_string(kMaxPage),
                "每页条数应为1至" + std::to_string(kMaxPage));
  }
  store::QueuePosition position = after ? parse_cursor(*after) : store::QueuePosition{};
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    const store::Id authority = require_staff(actor);
    json::array items;
    bool more = false;
    // Filtering for overdue cases happens here, so a page may need several
    // batches from the store to fill.
    while (true) {
      const auto rows = txn.queue(authority, status, limit, position);
      std::size_t consumed = 0;
      for (const store::Application& a : rows) {
        ++consumed;
        position = {a.updated_at, a.id};
        const Deadline d = deadline(ctx.domain, a, txn.events(a.id), ctx.now);
        if (overdue_only && !d.overdue) continue;
        const std::optional<store::Unit> unit = txn.unit(a.unit_id);
        json::object o;
        o["id"] = a.id;
        o["unit"] = unit ? json::value(unit->name) : json::value(nullptr);
        o["uscc"] = unit ? json::value(unit->uscc) : json::value(nullptr);
        o["business"] = business_json(def, a.business);
        o["status"] = status_json(def, a.status);
        o["version"] = a.version;
        o["updated_at"] = a.updated_at;
        put_deadline(o, d);
        items.push_back(std::move(o));
        if (items.size() == limit) break;
      }
      if (items.size() == limit) {
        // A full batch may have successors; the next page finds out.
        more = consumed < rows.size() || rows.size() == limit;
        break;
      }
      if (rows.size() < limit) break;
    }
    json::object out;
    out["items"] = std::move(items);
    out["next"] = more ? json::value(cursor(position)) : json::value(nullptr);
    return answer(std::move(out));
  });
}

Output verify(Context& ctx) {
  ctx.args.finish();
  return read_command(ctx, [&](store::Transaction& txn, const Actor& actor) {
    require_system_or_any_admin(actor);
    // The chain runs through every authority's records: what it says of
    // all of them (how many, where it breaks, its last hash) is the
    // system's to hear. An admin hears it of their authority's records.
    const AuditVerdict v = actor.is_system() ? verify_audit(txn, ctx.security->audit_digest)
                                             : verify_audit_of(txn, ctx.security->audit_digest,
                                                               actor.staff->authority_id);
    json::object out;
    out["scope"] = actor.is_system() ? "chain" : "authority";
    out["intact"] = !v.broken_seq.has_value();
    out["records"] = v.records;
    out["broken_seq"] = v.broken_seq ? json::value(*v.broken_seq) : json::value(nullptr);
    out["reason"] = v.reason.empty() ? json::value(nullptr) : json::value(v.reason);
    out["last_hash"] = v.last_hash;
    out["digest"] = crypto::name(ctx.security->audit_digest);
    out["crypto_suite"] = crypto::name(ctx.security->suite);
    return answer(std::move(out));
  });
}

// --- unit.lookup ----------------------------------------------------------

constexpr std::uint64_t kDefaultLookup = 20;
constexpr std::uint64_t kMaxLookup = 50;
constexpr std::size_t kMinNameChars = 2;

// What the public registry shows of a unit: what is printed on its
// certificate and whether its code stands; nothing about its cases.
json::object lookup_json(store::Transaction& txn, const store::Unit& u,
                         std::map<store::Id, std::optional<store::Authority>>& authorities,
                         TimePoint now) {
  json::object o;
  o["uscc"] = u.uscc;
  o["name"] = u.name;
  o["category"] = u.category;
  o["address"] = u.address;
  o["responsible_person"] = u.responsible_person;
  o["status"] = u.revoked ? "revoked" : "active";
  o["status_label"] = u.revoked ? "已撤销" : "正常";
  // A revoked unit has no certificate in force: it shows none.
  const std::optional<store::Certificate> c = txn.active_certificate(u.id);
  if (c) {
    json::object cert;
    cert["serial"] = c->serial;
    cert["valid_until"] = c->valid_until ? json::value(*c->valid_until) : json::value(nullptr);
    cert["long_term"] = !c->valid_until.has_value();
    const std::optional<Date> until = c->valid_until ? parse_date(*c->valid_until) : std::nullopt;
    cert["expired"] = until && china_date(now) > *until;
    o["certificate"] = std::move(cert);
  } else {
    o["certificate"] = nullptr;
  }
  auto it = authorities.find(u.authority_id);
  if (it == authorities.end()) {
    it = authorities.emplace(u.authority_id, txn.authority(u.authority_id)).first;
  }
  if (!it->second) throw Error(Errc::storage, "unit " + u.uscc + " names a missing authority");
  o["authority"] = json::object{{"code", it->second->code}, {"name", it->second->name}};
  return o;
}

// Anyone may search, with no actor at all, as on the service's home page: a
// complete code finds that unit, anything else is part of a name.
Output lookup(Context& ctx) {
  const std::string_view raw = ctx.args.string("query");
  const std::uint64_t limit = ctx.args.optional_uint("limit").value_or(kDefaultLookup);
  ctx.args.finish();
  const std::string query =
      required_text(raw, "query", "单位名称或统一社会信用代码", TextRule{100, false});
  if (limit < 1 || limit > kMaxLookup) {
    bad_arg("limit", "must be 1 to " + std::to_string(kMaxLookup),
            "查询条数应为1至" + std::to_string(kMaxLookup));
  }
  const uscc::Check code = uscc::check(query);
  if (!code.ok() && char_count(query) < kMinNameChars) {
    bad_arg("query",
            "must be a complete USCC or at least " + std::to_string(kMinNameChars) +
                " characters of a name",
            "请输入至少两个字的名称或完整的统一社会信用代码");
  }
  return read_command(ctx, [&](store::Transaction& txn, const Actor&) {
    json::object out;
    std::vector<store::Unit> units;
    if (code.ok()) {
      if (std::optional<store::Unit> u = txn.unit_by_uscc(code.code)) units.push_back(*u);
    } else {
      // One more than asked for tells whether the list was cut short.
      units = txn.units_by_name(query, static_cast<std::size_t>(limit) + 1);
    }
    const bool truncated = units.size() > limit;
    if (truncated) units.resize(static_cast<std::size_t>(limit));
    std::map<store::Id, std::optional<store::Authority>> authorities;
    json::array list;
    for (const store::Unit& u : units) list.push_back(lookup_json(txn, u, authorities, ctx.now));
    out["units"] = std::move(list);
    out["truncated"] = truncated;
    return answer(std::move(out));
  });
}

using workflow::Role;

constexpr Command kView = [] {
  Command c;
  c.name = "application.view";
  c.summary_zh = "申请信息：办理进度、最新信息、录入信息、附件和可进行的操作";
  c.summary_en =
      "The application page: progress, latest reply, fields, attachments, the actions open "
      "to this actor.";
  c.callers = caller::any_unit | caller::any_staff;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["id"],
    "properties": {"id": {"type": "integer", "minimum": 0, "description": "the application"}}})";
  c.result = R"({"$ref": "#/$defs/case_answer"})";
  c.errors = errors(Errc::not_found);
  c.run = view;
  return c;
}();

constexpr Command kHistory = [] {
  Command c;
  c.name = "unit.history";
  c.summary_zh = "历史信息：单位的全部申请及每次状态变化";
  c.summary_en =
      "历史信息: every application of a unit, deleted ones too, with each change of status.";
  c.callers = caller::any_unit | caller::any_staff;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false,
    "properties": {"uscc": {"type": ["string", "null"],
                            "description": "required for staff; a unit sees its own"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["unit", "applications"],
    "properties": {
      "unit": {"$ref": "#/$defs/unit"},
      "applications": {"type": "array", "description": "newest first",
        "items": {"type": "object", "additionalProperties": false,
          "required": ["id", "deleted", "business", "status", "open", "created_at", "updated_at",
                       "events"],
          "properties": {
            "id": {"$ref": "#/$defs/id"}, "deleted": {"type": "boolean"},
            "business": {"anyOf": [{"$ref": "#/$defs/named"}, {"type": "null"}]},
            "status": {"anyOf": [{"$ref": "#/$defs/named"}, {"type": "null"}],
                       "description": "null once deleted"},
            "open": {"type": "boolean"},
            "created_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]},
            "updated_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]},
            "events": {"type": "array", "items": {"$ref": "#/$defs/event"}}}}}}})";
  c.errors = errors(Errc::not_found);
  c.run = history;
  return c;
}();

constexpr Command kQueue = [] {
  Command c;
  c.name = "queue.list";
  c.summary_zh = "工作队列：本机关某办理进度的申请，可只看超期的";
  c.summary_en = "The authority's work queue in one status, oldest update first, a page at a time.";
  c.callers = caller::any_staff;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["status"],
    "properties": {
      "status": {"type": "string", "description": "a status key of the workflow"},
      "overdue_only": {"type": ["boolean", "null"],
                       "description": "only cases past their due date"},
      "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": 100,
                "description": "20 when absent"},
      "after": {"type": ["string", "null"], "description": "the next of the page before"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["items", "next"],
    "properties": {
      "items": {"type": "array", "items": {"type": "object", "additionalProperties": false,
        "required": ["id", "unit", "uscc", "business", "status", "version", "updated_at",
                     "status_since", "due", "overdue"],
        "properties": {
          "id": {"$ref": "#/$defs/id"},
          "unit": {"type": ["string", "null"], "description": "the unit's name"},
          "uscc": {"type": ["string", "null"]},
          "business": {"$ref": "#/$defs/named"}, "status": {"$ref": "#/$defs/named"},
          "version": {"type": "integer", "minimum": 0},
          "updated_at": {"$ref": "#/$defs/time"},
          "status_since": {"$ref": "#/$defs/time"},
          "due": {"type": ["string", "null"], "format": "date"},
          "overdue": {"type": "boolean"},
          "due_warning": {"$ref": "#/$defs/due_warning"}}}},
      "next": {"type": ["string", "null"],
               "description": "the cursor of the next page, null on the last"}}})";
  c.run = queue;
  return c;
}();

constexpr Command kAuditVerify = [] {
  Command c;
  c.name = "audit.verify";
  c.summary_zh = "校验审计日志的哈希链是否完整；管理员只看到本机关的记录";
  c.summary_en =
      "Check the audit log's hash chain from its first record to its last; say which digest "
      "chains it and which crypto suite the store was created with. The system (fuma-host "
      "verify-audit) hears of the whole chain; an admin, of their authority's records alone.";
  c.callers = caller::system | caller::any_staff;
  c.roles = roles(Role::admin);
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false, "properties": {}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["intact", "records", "broken_seq", "reason", "last_hash", "digest",
                 "crypto_suite", "scope"],
    "properties": {
      "scope": {"enum": ["chain", "authority"],
                "description": "chain (the system): every record; authority (an admin): the records of the admin's authority alone, broken_seq counting among them"},
      "intact": {"type": "boolean"}, "records": {"type": "integer", "minimum": 0},
      "broken_seq": {"type": ["integer", "null"]}, "reason": {"type": ["string", "null"]},
      "last_hash": {"type": "string"},
      "digest": {"enum": ["sha256", "sm3"],
                 "description": "the digest the chain was started with and keeps: SHA-256, or SM3 of GB/T 32905"},
      "crypto_suite": {"enum": ["standard", "sm"],
                       "description": "the suite the store was created with: standard, or sm, with SM3 digests and keys sealed with SM4"}}})";
  c.run = verify;
  return c;
}();

constexpr Command kLookup = [] {
  Command c;
  c.name = "unit.lookup";
  c.summary_zh = "公开查询：按名称或统一社会信用代码查询单位及其证书状态";
  c.summary_en =
      "The public registry: units by a complete USCC or part of a name, with their "
      "certificate's standing.";
  c.callers = caller::anonymous;
  c.effect = Effect::read;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["query"],
    "properties": {
      "query": {"type": "string",
                "description": "a complete USCC, or at least two characters of a name"},
      "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": 50,
                "description": "20 when absent"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["units", "truncated"],
    "properties": {
      "units": {"type": "array", "items": {"type": "object", "additionalProperties": false,
        "required": ["uscc", "name", "category", "address", "responsible_person", "status",
                     "status_label", "certificate", "authority"],
        "properties": {
          "uscc": {"type": "string"}, "name": {"type": "string"},
          "category": {"type": "string"}, "address": {"type": "string"},
          "responsible_person": {"type": "string"},
          "status": {"enum": ["active", "revoked"]}, "status_label": {"type": "string"},
          "certificate": {"anyOf": [{"type": "null"}, {"type": "object",
            "additionalProperties": false,
            "required": ["serial", "valid_until", "long_term", "expired"],
            "properties": {
              "serial": {"type": "string"},
              "valid_until": {"type": ["string", "null"], "format": "date"},
              "long_term": {"type": "boolean"}, "expired": {"type": "boolean"}}}]},
          "authority": {"type": "object", "additionalProperties": false,
            "required": ["code", "name"],
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}}}},
      "truncated": {"type": "boolean", "description": "more units match than listed"}}})";
  c.run = lookup;
  return c;
}();

}  // namespace

std::vector<Command> query_commands() { return {kView, kAuditVerify, kQueue, kHistory, kLookup}; }

}  // namespace fuma::engine
