// SPDX-License-Identifier: Apache-2.0
// uscc.check and uscc.allocate: the USCC module as commands.
#include <boost/json/array.hpp>

#include "command.hpp"
#include "fuma/uscc.hpp"

namespace fuma::engine {
namespace {

namespace json = boost::json;

json::object division_json(const uscc::Division& d) {
  json::object o;
  o["code"] = d.code;
  o["name"] = d.name;
  o["province"] = d.province;
  o["history"] = d.history;
  o["abolished"] = d.abolished();
  if (d.from_year) o["from_year"] = *d.from_year;
  if (d.to_year) o["to_year"] = *d.to_year;
  return o;
}

json::object parts_json(const uscc::Parts& p) {
  json::object o;
  auto named = [](char code, const std::string& name) {
    json::object x;
    x["code"] = std::string(1, code);
    x["name"] = name.empty() ? json::value(nullptr) : json::value(name);
    return x;
  };
  o["authority"] = named(p.authority, p.authority_name);
  o["category"] = named(p.category, p.category_name);
  if (p.division_info) {
    o["division"] = division_json(*p.division_info);
  } else {
    json::object d;
    d["code"] = p.division;
    d["name"] = nullptr;
    o["division"] = std::move(d);
  }
  o["org_code"] = p.org_code;
  o["check"] = std::string(1, p.check);
  return o;
}

Output check(Context& ctx) {
  std::string_view code = ctx.args.string("code");
  ctx.args.finish();
  const uscc::Check c = uscc::check(code);
  json::object out;
  out["valid"] = c.ok();
  out["reason"] = c.ok() ? json::value(nullptr) : json::value(uscc::reason_name(c.reason));
  out["code"] = c.code.empty() ? json::value(nullptr) : json::value(c.code);
  out["message"] = c.ok() ? json::value(nullptr) : json::value(c.message);
  out["detail"] = c.ok() ? json::value(nullptr) : json::value(c.detail);
  out["position"] = c.position == 0 ? json::value(nullptr) : json::value(c.position);
  out["parts"] = c.parts ? json::value(parts_json(*c.parts)) : json::value(nullptr);
  json::array warnings;
  for (auto w : c.warnings) warnings.emplace_back(uscc::warning_name(w));
  out["warnings"] = std::move(warnings);
  return answer(std::move(out));
}

Output allocate(Context& ctx) {
  const char authority = ctx.args.character("authority");
  const char category = ctx.args.character("category");
  const std::string_view division = ctx.args.string("division");
  const std::string_view segment = ctx.args.optional_string("segment").value_or("");
  const std::uint64_t serial = ctx.args.uint("serial");
  ctx.args.finish();
  json::object out;
  out["code"] = uscc::allocate(authority, category, division, segment, serial);
  return answer(std::move(out));
}

constexpr Command kCheck = [] {
  Command c;
  c.name = "uscc.check";
  c.summary_zh = "校验统一社会信用代码，并说明无效的原因";
  c.summary_en = "Check a USCC (GB 32100-2015): whether it is valid, why not, and its parts.";
  c.callers = caller::anonymous;
  c.effect = Effect::stateless;
  c.args = R"({"type": "object", "additionalProperties": false, "required": ["code"],
    "properties": {"code": {"type": "string", "description": "the code as typed or pasted"}}})";
  c.result = R"({"type": "object", "additionalProperties": false,
    "required": ["valid", "reason", "code", "message", "detail", "position", "parts", "warnings"],
    "properties": {
      "valid": {"type": "boolean"},
      "reason": {"enum": [null, "EMPTY", "LENGTH", "CHARSET", "AUTHORITY", "CATEGORY", "DIVISION",
                          "ORG_CHECK", "CHECK"]},
      "code": {"type": ["string", "null"], "description": "the code as checked, normalized"},
      "message": {"type": ["string", "null"]}, "detail": {"type": ["string", "null"]},
      "position": {"type": ["integer", "null"], "minimum": 1,
                   "description": "the 1-based character at fault"},
      "parts": {"anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": false,
        "required": ["authority", "category", "division", "org_code", "check"],
        "properties": {
          "authority": {"$ref": "#/$defs/coded"}, "category": {"$ref": "#/$defs/coded"},
          "division": {"anyOf": [
            {"type": "object", "additionalProperties": false, "required": ["code", "name"],
             "properties": {"code": {"type": "string"}, "name": {"type": "null"}}},
            {"type": "object", "additionalProperties": false,
             "required": ["code", "name", "province", "history", "abolished"],
             "properties": {
               "code": {"type": "string"}, "name": {"type": "string"},
               "province": {"type": "string"}, "history": {"type": "string"},
               "abolished": {"type": "boolean"}, "from_year": {"type": "integer"},
               "to_year": {"type": "integer"}}}]},
          "org_code": {"type": "string"}, "check": {"type": "string"}}}]},
      "warnings": {"type": "array", "items": {"enum": ["NORMALIZED", "ABOLISHED_DIVISION"]}}},
    "$defs": {"coded": {"type": "object", "additionalProperties": false,
      "required": ["code", "name"],
      "properties": {"code": {"type": "string"}, "name": {"type": ["string", "null"]}}}}})";
  c.run = check;
  return c;
}();

constexpr Command kAllocate = [] {
  Command c;
  c.name = "uscc.allocate";
  c.summary_zh = "按登记管理机关代码、类别、行政区划和序号编制统一社会信用代码";
  c.summary_en = "Compose the USCC for a serial number in a division and code segment.";
  c.callers = caller::anonymous;
  c.effect = Effect::stateless;
  c.args = R"({"type": "object", "additionalProperties": false,
    "required": ["authority", "category", "division", "serial"],
    "properties": {
      "authority": {"type": "string", "minLength": 1, "maxLength": 1,
                    "description": "registration-authority code: 1, 机构编制"},
      "category": {"type": "string", "minLength": 1, "maxLength": 1,
                   "description": "for authority 1: 1 机关, 2 事业单位, 3 群团, 9 其他"},
      "division": {"type": "string", "description": "6-digit GB/T 2260 code, not abolished"},
      "segment": {"type": ["string", "null"],
                  "description": "the authority's prefix: 0 to 7 characters of the code alphabet"},
      "serial": {"type": "integer", "minimum": 0,
                 "description": "written as zero-padded digits after the segment"}}})";
  c.result = R"({"type": "object", "additionalProperties": false, "required": ["code"],
    "properties": {"code": {"type": "string", "minLength": 18, "maxLength": 18}}})";
  c.errors = errors(Errc::exhausted);
  c.run = allocate;
  return c;
}();

}  // namespace

std::vector<Command> uscc_commands() { return {kAllocate, kCheck}; }

}  // namespace fuma::engine
