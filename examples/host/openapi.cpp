// SPDX-License-Identifier: Apache-2.0
#include "openapi.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>

#include "commands.hpp"
#include "fuma/version.h"
#include "reply.hpp"

namespace fuma::host {
namespace {

namespace json = boost::json;

constexpr std::string_view kDefsPrefix = "#/$defs/";
constexpr std::string_view kComponentsPrefix = "#/components/schemas/";

// What the document says beside the commands: the host's own routes, the
// cookies, the headers and the error shape.
constexpr std::string_view kFrame = R"({
  "openapi": "3.1.0",
  "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
  "info": {
    "title": "fuma-host API",
    "description": "Every /api/{command} and /api/staff/{command} is the engine command of that name. A POST needs the header X-CSRF-Token equal to the cookie fuma_csrf, a token made for the session cookies it is sent with (GET /api/csrf gives one). The actor comes from the cookie fuma_unit (/api/) or fuma_staff (/api/staff/), never from the body. Errors are {\"ok\": false, \"error\": {\"code\", \"message\" (Chinese), \"detail\" (English)}}. Every answer carries X-Request-Id: the request's own when it is 1 to 64 letters, digits, '.', '_' or '-', else one the host drew; the audit record of the command keeps it. A host started with --host-id names itself in every answer's X-Fuma-Host."
  },
  "tags": [
    {"name": "unit", "description": "/api/: public commands and the unit session's"},
    {"name": "staff", "description": "/api/staff/: public commands and the staff session's"},
    {"name": "host", "description": "the host's own resources"}
  ],
  "paths": {
    "/healthz": {"get": {"operationId": "healthz", "tags": ["host"],
      "summary": "alive: the library's version, the database's schema version and crypto suite",
      "responses": {"200": {"$ref": "#/components/responses/Object"}}}},
    "/readyz": {"get": {"operationId": "readyz", "tags": ["host"],
      "summary": "ready: the store serves a cheap read; else 503 STORAGE with Retry-After",
      "responses": {"200": {"$ref": "#/components/responses/Object"},
                    "503": {"$ref": "#/components/responses/Error"}}}},
    "/metrics": {"get": {"operationId": "metrics", "tags": ["host"],
      "summary": "the Prometheus text format 0.0.4; to loopback and --metrics-from clients only",
      "responses": {"200": {"description": "the metrics",
                            "content": {"text/plain": {"schema": {"type": "string"}}}},
                    "403": {"$ref": "#/components/responses/Error"}}}},
    "/api/uscc/{code}": {"get": {"operationId": "uscc_check_path", "tags": ["host"],
      "summary": "uscc.check of the percent-decoded code; an invalid code is still 200",
      "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"$ref": "#/components/responses/Object"},
                    "400": {"$ref": "#/components/responses/Error"}}}},
    "/api/openapi.json": {"get": {"operationId": "openapi", "tags": ["host"],
      "summary": "this document", "responses": {"200": {"$ref": "#/components/responses/Object"}}}},
    "/api/csrf": {"get": {"operationId": "csrf", "tags": ["host"],
      "summary": "a CSRF token for the session cookies sent, also set as the cookie fuma_csrf",
      "responses": {"200": {"$ref": "#/components/responses/Object"}}}},
    "/api/site": {"get": {"operationId": "site", "tags": ["host"],
      "summary": "the title, demo mode and its captcha, the 事业单位用户服务 link",
      "responses": {"200": {"$ref": "#/components/responses/Object"}}}},
    "/api/content": {"get": {"operationId": "content", "tags": ["host"],
      "summary": "首页's columns (通知公告, 政策法规, 技术服务, 年度报告), newest first",
      "responses": {"200": {"$ref": "#/components/responses/Object"}}}},
    "/api/content/{column}/{item}": {"get": {"operationId": "content_item", "tags": ["host"],
      "summary": "one item of a column",
      "parameters": [
        {"name": "column", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "item", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"$ref": "#/components/responses/Object"},
                    "404": {"$ref": "#/components/responses/Error"}}}}
  },
  "components": {
    "securitySchemes": {
      "unitSession": {"type": "apiKey", "in": "cookie", "name": "fuma_unit",
                      "description": "set by session.login"},
      "staffSession": {"type": "apiKey", "in": "cookie", "name": "fuma_staff",
                       "description": "set by staff.login"}
    },
    "parameters": {
      "Csrf": {"name": "X-CSRF-Token", "in": "header", "required": true,
               "schema": {"type": "string"}, "description": "equal to the cookie fuma_csrf"},
      "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": false,
                         "schema": {"type": "string"},
                         "description": "a retry with the same key answers the first result"},
      "Format": {"name": "format", "in": "query", "required": false,
                 "schema": {"enum": ["json"]},
                 "description": "json: the bytes as data_base64, with content_type, in the JSON result"}
    },
    "responses": {
      "Object": {"description": "ok",
                 "content": {"application/json": {"schema": {"type": "object"}}}},
      "Error": {"description": "an error with a stable code",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["ok", "error"],
        "properties": {
          "ok": {"const": false},
          "error": {"type": "object", "required": ["code", "message", "detail"],
            "properties": {
              "code": {"type": "string"},
              "message": {"type": "string", "description": "Chinese, for people"},
              "detail": {"type": "string", "description": "English, for developers"},
              "problems": {"type": "array", "items": {"type": "object"},
                           "description": "INVALID_ARGUMENT: each field that is wrong"}}}}}
    }
  }
})";

// A command's name as an operationId part: "application.view" ->
// "application_view".
std::string identifier(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '.') c = '_';
  }
  return out;
}

// Moves the $defs of the commands' schemas into components/schemas and points
// their references there. Definitions of one name are the registry's shared
// ones, the same in every schema; a command's own that differs from one
// already placed gets the command's name in front.
class Hoist {
 public:
  explicit Hoist(json::object& components) : schemas_(components) {}

  json::value operator()(const json::object& schema, std::string_view owner) {
    json::object s = schema;
    s.erase("$schema");
    std::map<std::string, std::string> names;
    json::object defs;
    if (const json::value* d = s.if_contains("$defs")) defs = d->as_object();
    s.erase("$defs");
    for (const auto& kv : defs) {
      std::string name(kv.key());
      const auto placed = raw_.find(name);
      if (placed != raw_.end() && placed->second != kv.value())
        name = identifier(owner) + "_" + name;
      names[std::string(kv.key())] = name;
    }
    for (const auto& kv : defs) {
      const std::string& name = names[std::string(kv.key())];
      if (raw_.count(name)) continue;
      raw_[name] = kv.value();
      json::value body = kv.value();
      relink(body, names);
      schemas_[name] = std::move(body);
    }
    json::value out = std::move(s);
    relink(out, names);
    return out;
  }

 private:
  static void relink(json::value& v, const std::map<std::string, std::string>& names) {
    if (json::object* o = v.if_object()) {
      for (auto& kv : *o) {
        if (kv.key() == "$ref" && kv.value().is_string()) {
          const std::string_view ref = kv.value().get_string();
          if (ref.substr(0, kDefsPrefix.size()) != kDefsPrefix) continue;
          const auto it = names.find(std::string(ref.substr(kDefsPrefix.size())));
          if (it == names.end())
            throw std::runtime_error("unresolved reference " + std::string(ref));
          kv.value() = std::string(kComponentsPrefix) + it->second;
        } else {
          relink(kv.value(), names);
        }
      }
    } else if (json::array* a = v.if_array()) {
      for (json::value& x : *a) relink(x, names);
    }
  }

  json::object& schemas_;
  std::map<std::string, json::value> raw_;  // as the registry gave them
};

json::value binary() { return json::object{{"type", "string"}, {"format", "binary"}}; }

// The error responses of an operation: the declared codes and those the
// host answers itself, grouped by their HTTP status.
json::object error_responses(const Route& r, bool post) {
  std::set<std::string> codes;
  for (const json::value& c : r.declaration.at("errors").as_array()) {
    codes.emplace(c.as_string());
  }
  codes.emplace("INVALID_ARGUMENT");  // the query, the body, the multipart
  if (r.who == Who::session) codes.emplace("SESSION_EXPIRED");  // no cookie
  if (post) {
    codes.emplace("CSRF_FAILED");
    codes.emplace("UNSUPPORTED_MEDIA_TYPE");
    codes.emplace("PAYLOAD_TOO_LARGE");
  }
  std::map<unsigned, json::array> by_status;
  for (const std::string& c : codes)
    by_status[static_cast<unsigned>(reply::status_of(c))].push_back(json::string(c));
  json::object out;
  for (auto& [status, list] : by_status) {
    std::string description;
    for (const json::value& c : list)
      description += (description.empty() ? "" : ", ") + std::string(c.as_string());
    json::object code{{"enum", std::move(list)}};
    json::object error{{"properties", json::object{{"code", std::move(code)}}}};
    json::object narrowed{{"properties", json::object{{"error", std::move(error)}}}};
    json::array all{json::object{{"$ref", "#/components/schemas/Error"}}, std::move(narrowed)};
    json::object schema{{"allOf", std::move(all)}};
    out[std::to_string(status)] = json::object{
        {"description", description},
        {"content",
         json::object{{"application/json", json::object{{"schema", std::move(schema)}}}}}};
  }
  return out;
}

json::object operation(const Route& r, Side side, bool post, const json::value& args,
                       const json::value& result) {
  const json::object& d = r.declaration;
  const json::object& summary = d.at("summary").as_object();
  json::object op;
  const std::string id = (side == Side::staff ? "staff_" : "") + identifier(r.name);
  op["operationId"] = post ? id : id + "_get";
  op["summary"] = summary.at("zh");
  op["description"] = summary.at("en");
  op["tags"] = json::array{side == Side::unit ? "unit" : "staff"};
  const std::string_view scheme = side == Side::unit ? "unitSession" : "staffSession";
  if (r.who == Who::session) {
    op["security"] = json::array{json::object{{scheme, json::array{}}}};
  } else if (r.who == Who::optional) {
    op["security"] = json::array{json::object{{scheme, json::array{}}}, json::object{}};
  } else {
    op["security"] = json::array{};
  }
  json::array params;
  if (post) {
    params.push_back(json::object{{"$ref", "#/components/parameters/Csrf"}});
    if (r.writes)
      params.push_back(json::object{{"$ref", "#/components/parameters/IdempotencyKey"}});
  }
  const json::value& takes = d.at("takes");
  const json::value& returns = d.at("returns");
  // The args in the query: a GET's, or those beside raw bytes in a POST.
  if (!post || !takes.is_null()) {
    params.push_back(json::object{
        {"name", "args"},
        {"in", "query"},
        {"required", false},
        {"description", post ? "with raw bytes as the body: the args as JSON text"
                             : "the args as JSON text; absent: {}"},
        {"content", json::object{{"application/json", json::object{{"schema", args}}}}}});
  }
  if (!returns.is_null())
    params.push_back(json::object{{"$ref", "#/components/parameters/Format"}});
  op["parameters"] = std::move(params);

  if (post) {
    json::object content;
    content["application/json"] = json::object{{"schema", args}};
    if (!takes.is_null()) {
      const json::object& t = takes.as_object();
      json::object parts{{"args", args}, {"file", binary()}};
      json::object multipart{{"type", "object"}, {"properties", std::move(parts)}};
      if (t.at("required").as_bool()) multipart["required"] = json::array{"file"};
      content["multipart/form-data"] = json::object{{"schema", std::move(multipart)}};
      for (const json::value& type : t.at("media_types").as_array()) {
        content[type.as_string()] = json::object{{"schema", binary()}};
      }
    }
    op["requestBody"] = json::object{{"required", false}, {"content", std::move(content)}};
  }

  json::object ok_content;
  ok_content["application/json"] = json::object{{"schema", result}};
  json::object ok{{"description", "the engine's result"}};
  if (!returns.is_null()) {
    const json::object& ret = returns.as_object();
    for (const json::value& type : ret.at("media_types").as_array()) {
      ok_content[type.as_string()] = json::object{{"schema", binary()}};
    }
    const json::value& name = ret.at("file_name");
    const std::string disposition = name.is_null()
                                        ? std::string("inline")
                                        : "attachment, named " + std::string(name.as_string()) +
                                              " (the result's file_name; filename*=UTF-8'')";
    ok["headers"] = json::object{
        {"Content-Disposition",
         json::object{{"schema", json::object{{"type", "string"}}}, {"description", disposition}}}};
    ok["description"] = "the bytes; with format=json, the engine's result with data_base64";
  }
  ok["content"] = std::move(ok_content);
  json::object responses{{"200", std::move(ok)}};
  for (auto& kv : error_responses(r, post)) responses[kv.key()] = std::move(kv.value());
  op["responses"] = std::move(responses);
  return op;
}

}  // namespace

std::string openapi_document(const Commands& commands) {
  json::value doc = json::parse(kFrame);
  json::object& root = doc.as_object();
  root["info"].as_object()["version"] = FUMA_VERSION;
  json::object& paths = root["paths"].as_object();
  json::object& schemas = root["components"].as_object()["schemas"].as_object();
  Hoist hoist(schemas);
  for (const Side side : {Side::unit, Side::staff}) {
    for (const Route& r : commands.routes(side)) {
      const json::value args = hoist(r.declaration.at("args").as_object(), r.name);
      const json::value result = hoist(r.declaration.at("result").as_object(), r.name);
      json::object item;
      item["post"] = operation(r, side, true, args, result);
      if (r.get) item["get"] = operation(r, side, false, args, result);
      paths[std::string(side_prefix(side)) + r.name] = std::move(item);
    }
  }
  return json::serialize(doc);
}

}  // namespace fuma::host
