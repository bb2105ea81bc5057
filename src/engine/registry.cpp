// SPDX-License-Identifier: Apache-2.0
// The registry as an embedder sees it: fuma.commands answers every
// descriptor (command.hpp) with its schemas as JSON, made once, and
// fuma.version the library's versions. Also the shared schema definitions
// the descriptors name as "#/$defs/NAME".
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <mutex>
#include <set>

#include "command.hpp"
#include "fuma/error.hpp"
#include "fuma/version.h"
#include "fuma/workflow.hpp"
#include "json_text.hpp"
#include "schema.hpp"
#include "store/store.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

constexpr std::string_view kDialect = "https://json-schema.org/draft/2020-12/schema";

// Records as view.cpp and the area files write them. Each is copied into
// the $defs of every schema that names it, so a schema stands alone.
struct Definition {
  std::string_view name;
  std::string_view schema;
};
constexpr Definition kDefinitions[] = {
    {"time", R"({"type": "string", "format": "date-time",
                 "description": "UTC, e.g. 2026-11-27T08:00:00Z"})"},
    {"date", R"({"type": "string", "format": "date", "description": "YYYY-MM-DD"})"},
    {"id", R"({"type": "integer", "minimum": 1})"},
    {"named", R"({"type": "object", "additionalProperties": false,
      "description": "a key of the workflow definition or the checklist, with its label, null for a key they do not know",
      "required": ["key", "label"],
      "properties": {"key": {"type": "string"}, "label": {"type": ["string", "null"]}}})"},
    {"authority", R"({"type": "object", "additionalProperties": false,
      "required": ["id", "code", "name", "division", "segment", "created_at"],
      "properties": {
        "id": {"$ref": "#/$defs/id"}, "code": {"type": "string"}, "name": {"type": "string"},
        "division": {"type": "string"}, "segment": {"type": "string"},
        "created_at": {"$ref": "#/$defs/time"}}})"},
    {"staff", R"({"type": "object", "additionalProperties": false,
      "required": ["id", "username", "name", "roles", "active", "created_at", "authority"],
      "properties": {
        "id": {"$ref": "#/$defs/id"}, "username": {"type": "string"}, "name": {"type": "string"},
        "roles": {"type": "array", "items": {"enum": ["admin", "acceptor", "reviewer"]}},
        "active": {"type": "boolean"}, "created_at": {"$ref": "#/$defs/time"},
        "authority": {"type": "string", "description": "the authority's code"},
        "authority_name": {"type": "string"}}})"},
    {"unit", R"({"type": "object", "additionalProperties": false,
      "required": ["uscc", "name", "category", "address", "responsible_person", "revoked",
                   "created_at", "updated_at"],
      "properties": {
        "uscc": {"type": "string"}, "name": {"type": "string"},
        "category": {"type": "string", "description": "机关, 群团 or 其他"},
        "address": {"type": "string"}, "responsible_person": {"type": "string"},
        "revoked": {"type": "boolean"},
        "created_at": {"$ref": "#/$defs/time"}, "updated_at": {"$ref": "#/$defs/time"}}})"},
    {"certificate", R"({"type": "object", "additionalProperties": false,
      "required": ["serial", "issued_on", "valid_until", "long_term", "validity", "status"],
      "properties": {
        "serial": {"type": "string"}, "issued_on": {"$ref": "#/$defs/date"},
        "valid_until": {"type": ["string", "null"], "format": "date",
                        "description": "null when long-term valid"},
        "long_term": {"type": "boolean"},
        "validity": {"type": "string", "description": "长期有效, or the expiry date"},
        "status": {"enum": ["active", "superseded", "revoked"]}}})"},
    {"attachment", R"({"type": "object", "additionalProperties": false,
      "required": ["id", "kind", "label", "file_name", "media_type", "size", "sha256", "digest",
                   "digest_algorithm", "uploaded_at"],
      "properties": {
        "id": {"$ref": "#/$defs/id"}, "kind": {"type": "string"},
        "label": {"type": ["string", "null"]}, "file_name": {"type": "string"},
        "media_type": {"enum": ["application/pdf", "image/jpeg", "image/png"]},
        "size": {"type": "integer", "minimum": 0},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                   "description": "the same as digest, kept from when SHA-256 was the only digest; under the sm crypto suite it is SM3: read digest and digest_algorithm"},
        "digest": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                   "description": "the content's digest by the store's crypto suite"},
        "digest_algorithm": {"enum": ["sha256", "sm3"],
                             "description": "sha256 under the standard crypto suite, sm3 under sm"},
        "uploaded_at": {"$ref": "#/$defs/time"},
        "type": {"enum": ["pdf", "jpeg", "png", null]}}})"},
    {"fields", R"({"type": "object", "additionalProperties": false,
      "description": "the entry form (申请信息录入): a reason, and for a change its items",
      "properties": {
        "reason": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "additionalProperties": false,
          "properties": {
            "item": {"enum": ["name", "address", "responsible_person", "category", "validity"]},
            "label": {"type": "string"}, "old": {"type": "string"},
            "new": {"type": "string"}}}}}})"},
    {"deadline", R"({"type": "object",
      "required": ["status_since", "due", "overdue"],
      "properties": {
        "status_since": {"$ref": "#/$defs/time"},
        "due": {"type": ["string", "null"], "format": "date",
                "description": "the status' time limit in working days, null without one"},
        "overdue": {"type": "boolean"},
        "due_warning": {"$ref": "#/$defs/due_warning"}}})"},
    {"due_warning", R"({"type": "string",
      "description": "present when due was counted through a year the holiday calendar does not cover, Monday to Friday standing in for the official arrangement: 2027年的节假日安排未载入，办理时限按周一至周五计算"})"},
    {"case", R"({"type": "object", "additionalProperties": false,
      "description": "the application page (申请信息录入) as this actor sees it",
      "required": ["id", "business", "status", "progress", "latest_reply", "latest", "outcome",
                   "fields",
                   "attachments", "actions", "version", "open", "created_at", "updated_at",
                   "status_since", "due", "overdue", "unit", "certificate"],
      "properties": {
        "id": {"$ref": "#/$defs/id"},
        "business": {"$ref": "#/$defs/named"},
        "status": {"type": "object", "additionalProperties": false,
          "required": ["key", "label"],
          "properties": {
            "key": {"type": "string"}, "label": {"type": ["string", "null"]},
            "editable": {"type": "boolean"}, "deletable": {"type": "boolean"},
            "final": {"type": "boolean"}}},
        "progress": {"type": "array", "items": {"type": "object", "additionalProperties": false,
          "required": ["key", "label", "current"],
          "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                         "current": {"type": "boolean"}}}},
        "latest_reply": {"type": "string",
          "description": "最新信息: the authority's last reply this actor may read (a unit never reads a step's reply whose workflow reply_to is staff, e.g. 复核退回); a step without a reply leaves it as it was"},
        "latest": {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": false,
          "required": ["reply", "at", "action", "status"],
          "properties": {"reply": {"type": "string"}, "at": {"$ref": "#/$defs/time"},
                         "action": {"type": "string"},
                         "status": {"$ref": "#/$defs/named",
                                    "description": "the status the step led to"}}}],
          "description": "latest_reply with the step that wrote it; null when there is none"},
        "outcome": {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": false,
          "required": ["status", "completed_at", "summary", "next_steps", "certificate"],
          "properties": {
            "status": {"type": "string", "description": "the final status' label, 已办结"},
            "completed_at": {"$ref": "#/$defs/time"},
            "summary": {"type": ["string", "null"],
                        "description": "what was done: the business's workflow outcome"},
            "next_steps": {"type": ["string", "null"],
                           "description": "what the unit does next (领取 the new certificate, ...): the business's workflow next_steps"},
            "certificate": {"anyOf": [{"$ref": "#/$defs/certificate"}, {"type": "null"}],
                            "description": "the certificate this completion issued (补领, 换领) while it is the unit's active one; else null"}}}],
          "description": "what 已办结 did; null until the case is final"},
        "fields": {"$ref": "#/$defs/fields"},
        "attachments": {"type": "array", "items": {"$ref": "#/$defs/attachment"}},
        "actions": {"type": "array", "items": {"type": "object", "additionalProperties": false,
          "required": ["action", "command"],
          "properties": {
            "action": {"type": "string"}, "command": {"type": "string"},
            "to": {"$ref": "#/$defs/named"},
            "reply": {"enum": ["none", "optional", "required"]}}}},
        "version": {"type": "integer", "minimum": 0},
        "open": {"type": "boolean"},
        "created_at": {"$ref": "#/$defs/time"}, "updated_at": {"$ref": "#/$defs/time"},
        "status_since": {"$ref": "#/$defs/time"},
        "due": {"type": ["string", "null"], "format": "date"},
        "overdue": {"type": "boolean"},
        "due_warning": {"$ref": "#/$defs/due_warning"},
        "unit": {"$ref": "#/$defs/unit"},
        "certificate": {"anyOf": [{"$ref": "#/$defs/certificate"}, {"type": "null"}]}}})"},
    {"case_answer", R"({"type": "object", "additionalProperties": false,
      "required": ["application"],
      "properties": {"application": {"$ref": "#/$defs/case"}}})"},
    {"event", R"({"type": "object", "additionalProperties": false,
      "required": ["action", "from", "to", "actor", "actor_name", "reply", "at"],
      "properties": {
        "action": {"type": "string"},
        "from": {"anyOf": [{"$ref": "#/$defs/named"}, {"type": "null"}]},
        "to": {"anyOf": [{"$ref": "#/$defs/named"}, {"type": "null"}]},
        "actor": {"type": "string", "description": "system, staff:<id> or unit:<USCC>"},
        "actor_name": {"type": "string"}, "reply": {"type": "string"},
        "at": {"$ref": "#/$defs/time"}}})"},
    {"key", R"({"type": "object", "additionalProperties": false,
      "required": ["kid", "authority", "suite", "algorithm", "distinguishing_id", "status",
                   "public_key", "public_key_pem", "created_at", "retired_at"],
      "properties": {
        "kid": {"type": "string", "pattern": "^[0-9a-f]{16}$",
                "description": "the first 8 bytes of SHA-256 (ed25519) or SM3 (sm2) of the raw public key"},
        "authority": {"type": "string"},
        "suite": {"enum": ["ed25519", "sm2"], "description": "the signing suite"},
        "algorithm": {"enum": ["Ed25519", "SM2"],
                      "description": "SM2: SM2 signature with SM3, as GB/T 32918.2 and GM/T 0009 define"},
        "distinguishing_id": {"type": ["string", "null"],
                              "description": "sm2: the signer's ID_A; null for ed25519"},
        "status": {"enum": ["active", "verifying", "retired"]},
        "public_key": {"type": "string",
                       "description": "base64url (unpadded) of the raw key: 32 bytes for ed25519, the 65-byte uncompressed point 04||x||y for sm2"},
        "public_key_pem": {"type": "string"},
        "created_at": {"$ref": "#/$defs/time"},
        "retired_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]}}})"},
    {"credential_request", R"({"type": "object", "additionalProperties": false,
      "description": "a 登录二维码图片申领表 as recorded",
      "required": ["id", "reason", "reason_label", "recipient", "phone", "requested_on",
                   "recorded_at", "credential"],
      "properties": {
        "id": {"$ref": "#/$defs/id"}, "reason": {"enum": ["first", "lost"]},
        "reason_label": {"type": "string"}, "recipient": {"type": "string"},
        "phone": {"type": "string"}, "requested_on": {"$ref": "#/$defs/date"},
        "recorded_at": {"$ref": "#/$defs/time"},
        "credential": {"anyOf": [{"$ref": "#/$defs/id"}, {"type": "null"}],
                       "description": "the credential issued for it, null until then"}}})"},
    {"credential", R"({"type": "object", "additionalProperties": false,
      "description": "a login credential (登录二维码图片) as issued",
      "required": ["id", "generation", "kid", "suite", "issued_at", "expires_at", "status",
                   "revoked_at", "revoked_reason", "delivery", "delivery_label", "delivery_note"],
      "properties": {
        "id": {"$ref": "#/$defs/id"}, "generation": {"type": "integer", "minimum": 1},
        "kid": {"type": "string"}, "suite": {"enum": ["ed25519", "sm2"]},
        "issued_at": {"$ref": "#/$defs/time"},
        "expires_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]},
        "status": {"enum": ["active", "revoked"]},
        "revoked_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]},
        "revoked_reason": {"type": ["string", "null"],
                           "description": "lost, unit_revoked or key_retired"},
        "delivery": {"type": "string"}, "delivery_label": {"type": "string"},
        "delivery_note": {"type": "string"}}})"},
    {"session", R"({"type": "object", "additionalProperties": false,
      "required": ["unit", "created_at", "expires_at", "idle_timeout_seconds", "committed",
                   "committed_at", "commitment"],
      "properties": {
        "unit": {"$ref": "#/$defs/unit"},
        "created_at": {"$ref": "#/$defs/time"}, "expires_at": {"$ref": "#/$defs/time"},
        "idle_timeout_seconds": {"type": "integer", "minimum": 1},
        "committed": {"type": "boolean"},
        "committed_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]},
        "commitment": {"type": "object", "additionalProperties": false,
          "description": "登录承诺: what the unit accepts with session.commit",
          "required": ["text_version", "title", "paragraphs", "accept_label"],
          "properties": {
            "text_version": {"type": "string"}, "title": {"type": "string"},
            "paragraphs": {"type": "array", "items": {"type": "string"}},
            "accept_label": {"type": "string"}}}}})"},
    {"bytes", R"({"type": "object", "additionalProperties": false,
      "description": "bytes beside the JSON: fuma_call's data, fuma_result_data",
      "required": ["required", "media_types"],
      "properties": {
        "required": {"type": "boolean"},
        "media_types": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "file_name": {"type": ["string", "null"],
                      "description": "the answer's file_name, {placeholders} filled"}}})"},
    {"pdf", R"({"const": "application/pdf"})"},
    {"png", R"({"const": "image/png"})"},
};

const Definition* definition(std::string_view name) {
  for (const Definition& d : kDefinitions) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

[[noreturn]] void bad_declaration(const Command& c, std::string what) {
  throw Error(Errc::internal, "the declaration of '" + std::string(c.name) + "': " + what);
}

json::value parse_schema(const Command& c, std::string_view text, std::string_view what) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    bad_declaration(c, std::string(what) + " is not a JSON object: " + ec.message());
  }
  return v;
}

// Every "#/$defs/NAME" the value refers to, into `names`.
void collect_refs(const json::value& v, std::set<std::string>& names) {
  if (const json::object* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (kv.key() == "$ref" && kv.value().is_string()) {
        const std::string_view ref = kv.value().get_string();
        constexpr std::string_view prefix = "#/$defs/";
        if (ref.substr(0, prefix.size()) == prefix) names.emplace(ref.substr(prefix.size()));
      } else {
        collect_refs(kv.value(), names);
      }
    }
  } else if (const json::array* a = v.if_array()) {
    for (const json::value& x : *a) collect_refs(x, names);
  }
}

// The schema as published: standing alone, with its dialect and the shared
// definitions it uses.
json::object schema_of(const Command& c, std::string_view text, std::string_view what) {
  json::object schema = parse_schema(c, text, what).get_object();
  std::set<std::string> names, done;
  collect_refs(schema, names);
  // A schema's own definitions stand beside the shared ones it uses.
  json::object defs;
  if (const json::value* own = schema.if_contains("$defs")) {
    if (!own->is_object()) bad_declaration(c, std::string(what) + ": $defs is not an object");
    defs = own->get_object();
    for (const auto& kv : defs) done.emplace(kv.key());
    schema.erase("$defs");
  }
  while (!names.empty()) {
    const std::string name = *names.begin();
    names.erase(names.begin());
    if (!done.insert(name).second) continue;
    const Definition* d = definition(name);
    if (d == nullptr) bad_declaration(c, std::string(what) + " names no definition '" + name + "'");
    json::value v = parse_schema(c, d->schema, "definition " + name);
    collect_refs(v, names);
    defs[name] = std::move(v);
  }
  json::object out;
  out["$schema"] = kDialect;
  for (auto& kv : schema) out[kv.key()] = std::move(kv.value());
  if (!defs.empty()) out["$defs"] = std::move(defs);
  return out;
}

// The result schema with its "ok": true.
json::object result_json(const Command& c) {
  // A result that is one shared definition is that definition, which gets
  // the "ok".
  std::string_view text = c.result;
  const json::value whole = parse_schema(c, text, "result");
  const json::value* ref = whole.get_object().if_contains("$ref");
  if (whole.get_object().size() == 1 && ref && ref->is_string()) {
    constexpr std::string_view prefix = "#/$defs/";
    const std::string_view target = ref->get_string();
    const Definition* d = target.substr(0, prefix.size()) == prefix
                              ? definition(target.substr(prefix.size()))
                              : nullptr;
    if (d == nullptr) bad_declaration(c, "the result names no definition");
    text = d->schema;
  }
  json::object schema = schema_of(c, text, "result");
  json::object* props = schema.contains("properties") ? schema["properties"].if_object() : nullptr;
  json::array* required = schema.contains("required") ? schema["required"].if_array() : nullptr;
  if (props == nullptr || required == nullptr) {
    bad_declaration(c, "the result schema needs properties and required");
  }
  json::object with_ok;
  with_ok["ok"] = json::object{{"const", true}};
  for (auto& kv : *props) with_ok[kv.key()] = std::move(kv.value());
  *props = std::move(with_ok);
  required->insert(required->begin(), "ok");
  return schema;
}

json::array words(std::string_view list) {
  json::array out;
  while (!list.empty()) {
    const std::size_t space = list.find(' ');
    if (space != 0) out.emplace_back(list.substr(0, space));
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  return out;
}

std::string_view effect_name(Effect e) {
  switch (e) {
    case Effect::stateless:
      return "stateless";
    case Effect::read:
      return "read";
    case Effect::write:
      return "write";
  }
  return "read";
}

json::array caller_names(unsigned callers) {
  constexpr std::pair<unsigned, std::string_view> kNames[] = {
      {caller::anonymous, "anonymous"}, {caller::system, "system"},
      {caller::staff, "staff"},         {caller::staff_session, "staff_session"},
      {caller::unit, "unit"},           {caller::session, "session"},
  };
  json::array out;
  for (const auto& [bit, name] : kNames) {
    if (callers & bit) out.emplace_back(name);
  }
  return out;
}

json::array role_names(unsigned roles) {
  json::array out;
  for (workflow::Role r : {workflow::Role::admin, workflow::Role::acceptor,
                           workflow::Role::reviewer, workflow::Role::applicant}) {
    if (roles & role_bit(r)) out.emplace_back(workflow::role_name(r));
  }
  return out;
}

json::array error_names(std::uint64_t bits) {
  json::array out;
  for (int code = -1; code >= -64; --code) {
    const Errc e = static_cast<Errc>(code);
    if ((bits & error_bit(e)) == 0) continue;
    const std::string_view name = errc_name(e);
    if (name == "UNKNOWN") throw Error(Errc::internal, "an error bit names no code");
    out.emplace_back(name);
  }
  return out;
}

json::object descriptor_json(const Command& c) {
  if (c.summary_zh.empty() || c.summary_en.empty()) bad_declaration(c, "no summary");
  if (c.callers == 0) bad_declaration(c, "no callers");
  if (c.run == nullptr) bad_declaration(c, "no handler");
  json::object o;
  o["name"] = c.name;
  o["summary"] = json::object{{"zh", c.summary_zh}, {"en", c.summary_en}};
  o["callers"] = caller_names(c.callers);
  o["roles"] = role_names(c.roles);
  o["step"] = c.step.empty() ? json::value(nullptr) : json::value(c.step);
  o["effect"] = effect_name(c.effect);
  if (c.takes.presence == Presence::none) {
    o["takes"] = nullptr;
  } else {
    o["takes"] = json::object{{"required", c.takes.presence == Presence::required},
                              {"media_types", words(c.takes.media_types)}};
  }
  if (c.returns.presence == Presence::none) {
    o["returns"] = nullptr;
  } else {
    o["returns"] =
        json::object{{"required", c.returns.presence == Presence::required},
                     {"media_types", words(c.returns.media_types)},
                     {"file_name", c.returns.file_name.empty() ? json::value(nullptr)
                                                               : json::value(c.returns.file_name)}};
  }
  o["args"] = schema_of(c, c.args, "args");
  o["result"] = result_json(c);
  o["errors"] = error_names(c.errors | frame_errors(c));
  o["tier"] = c.tier == Tier::stable ? "stable" : "experimental";
  return o;
}

// The answer's members after "ok", made on the first call.
const std::string& registry_text() {
  static const std::string text = [] {
    json::array list;
    for (const Command& c : commands()) list.push_back(descriptor_json(c));
    json::object o;
    o["dialect"] = kDialect;
    o["commands"] = std::move(list);
    std::string s = json::serialize(o);
    return s.substr(1, s.size() - 2);  // the members, without the braces
  }();
  return text;
}

Output fuma_commands(Context& ctx) {
  ctx.args.finish();
  Output out;
  out.write = [](JsonText& w) { w.raw_members(registry_text()); };
  return out;
}

Output fuma_version(Context& ctx) {
  ctx.args.finish();
  json::object out;
  out["version"] = FUMA_VERSION;
  out["abi_version"] = FUMA_ABI_VERSION;
  out["schema_version"] = store::latest_schema_version();
  return answer(std::move(out));
}

constexpr std::string_view kNoArgs =
    R"({"type": "object", "additionalProperties": false, "properties": {}})";

constexpr Command kVersion = [] {
  Command c;
  c.name = "fuma.version";
  c.summary_zh = "查询库的版本";
  c.summary_en = "The library's release, ABI and store schema versions.";
  c.callers = caller::anonymous;
  c.effect = Effect::stateless;
  c.args = kNoArgs;
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["version", "abi_version", "schema_version"],
    "properties": {
      "version": {"type": "string", "description": "the release, e.g. 0.1.0"},
      "abi_version": {"type": "integer", "minimum": 1},
      "schema_version": {"type": "integer", "minimum": 1,
                         "description": "the store schema this library writes"}}})";
  c.run = fuma_version;
  return c;
}();

// The result of fuma.commands, the descriptor as descriptor_json writes it.
constexpr Command kCommands = [] {
  Command c;
  c.name = "fuma.commands";
  c.summary_zh = "列出全部命令及其参数、结果、错误与调用者";
  c.summary_en =
      "Every command's declaration: callers, effect, bytes, JSON Schemas of args and result, "
      "errors, tier; sorted by name.";
  c.callers = caller::anonymous;
  c.effect = Effect::stateless;
  c.args = kNoArgs;
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["dialect", "commands"],
    "properties": {
      "dialect": {"const": "https://json-schema.org/draft/2020-12/schema"},
      "commands": {"type": "array", "items": {"type": "object", "additionalProperties": false,
        "required": ["name", "summary", "callers", "roles", "step", "effect", "takes",
                     "returns", "args", "result", "errors", "tier"],
        "properties": {
          "name": {"type": "string", "pattern": "^[a-z_]+\\.[a-z_]+$"},
          "summary": {"type": "object", "additionalProperties": false,
            "required": ["zh", "en"],
            "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
          "callers": {"type": "array", "minItems": 1, "uniqueItems": true,
            "description": "the actors a request may name: anonymous needs none",
            "items": {"enum": ["anonymous", "system", "staff", "staff_session", "unit",
                               "session"]}},
          "roles": {"type": "array", "uniqueItems": true,
            "description": "the staff roles needed; empty: any staff member",
            "items": {"enum": ["admin", "acceptor", "reviewer", "applicant"]}},
          "step": {"type": ["string", "null"],
            "description": "a workflow step: its transitions decide who may take it"},
          "effect": {"enum": ["stateless", "read", "write"]},
          "takes": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/bytes"}]},
          "returns": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/bytes"}]},
          "args": {"type": "object"}, "result": {"type": "object"},
          "errors": {"type": "array", "uniqueItems": true,
                     "items": {"type": "string", "pattern": "^[A-Z_]+$"}},
          "tier": {"enum": ["stable", "experimental"]}}}}}})";
  // The registry's own shape grows with the rest of the contract (the
  // generated OpenAPI document, the contract baseline): not yet pinned.
  c.tier = Tier::experimental;
  c.run = fuma_commands;
  return c;
}();

// A command's schemas, compiled.
struct Compiled {
  schema::Schema args;
  schema::Schema result;
};

schema::Schema compiled(const Command& c, const json::object& document, std::string_view what) {
  try {
    return schema::Schema::compile(document);
  } catch (const schema::Unsupported& e) {
    bad_declaration(c, std::string(what) + ": " + e.what());
  }
}

// Every command's, in the order of commands(), compiled all at once when
// the first command runs: no schema text is read on the way to a handler.
const std::vector<Compiled>& all_compiled() {
  static const std::vector<Compiled> list = [] {
    std::vector<Compiled> out;
    for (const Command& c : commands()) {
      out.push_back(Compiled{compiled(c, schema_of(c, c.args, "args"), "args"),
                             compiled(c, result_json(c), "result")});
    }
    return out;
  }();
  return list;
}

// A command of the registry is found by its place in commands(), which the
// dispatcher has just found it in, rather than by a second search on every
// call (the case view's cost). A command from a list of its own (a test's
// dispatch) is compiled the first time it runs and kept by its name and
// schema texts.
const Compiled& compiled(const Command& c) {
  const std::vector<Command>& list = commands();
  const std::ptrdiff_t index = &c - list.data();
  if (index >= 0 && static_cast<std::size_t>(index) < list.size()) {
    return all_compiled()[static_cast<std::size_t>(index)];
  }
  static std::mutex mutex;
  static std::map<std::string, Compiled, std::less<>> others;
  const std::lock_guard<std::mutex> lock(mutex);
  const std::string key =
      std::string(c.name) + '\n' + std::string(c.args) + '\n' + std::string(c.result);
  auto it = others.find(key);
  if (it == others.end()) {
    it = others
             .emplace(key, Compiled{compiled(c, schema_of(c, c.args, "args"), "args"),
                                    compiled(c, result_json(c), "result")})
             .first;
  }
  return it->second;
}

}  // namespace

std::vector<Command> system_commands() { return {kCommands, kVersion}; }

void check_args(const Command& c, const json::value* args) {
  static const json::value kNone = json::object();
  const json::value& given = args == nullptr || args->is_null() ? kNone : *args;
  const schema::Schema& s = compiled(c).args;
  // Nearly every request is valid: one pass that stops at the first
  // failure and allocates nothing, and the list of problems only for a
  // refusal.
  if (s.valid(given)) return;
  const std::vector<schema::Violation> found = s.violations(given);
  std::vector<Problem> problems;
  for (const schema::Violation& v : found) problems.push_back(Problem{v.path, v.message, {}, {}});
  const schema::Violation& first = found.front();
  std::string detail = "args" + (first.path.empty() ? "" : "." + first.path) + " " + first.detail;
  std::string message = first.message;
  if (found.size() > 1) {
    detail += " (and " + std::to_string(found.size() - 1) + " more problem(s))";
    message += "等" + std::to_string(found.size()) + "项问题";
  }
  throw Error(Errc::invalid_argument, std::move(detail), std::move(message), std::move(problems));
}

const schema::Schema& args_schema(const Command& c) { return compiled(c).args; }
const schema::Schema& result_schema(const Command& c) { return compiled(c).result; }

}  // namespace fuma::engine
