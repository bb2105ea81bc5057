// SPDX-License-Identifier: Apache-2.0
// fuma.commands and the descriptors it publishes (src/engine/command.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <set>
#include <string>

#include "engine/command.hpp"
#include "engine/schema.hpp"
#include "fuma/engine.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"

namespace json = boost::json;
using fuma::Engine;
using fuma::Errc;
namespace engine = fuma::engine;

namespace {

constexpr std::string_view kDialect = "https://json-schema.org/draft/2020-12/schema";

const json::array& registry() {
  static const json::value answer =
      json::parse(Engine::call_stateless(R"({"command":"fuma.commands"})").json);
  return answer.at("commands").as_array();
}

const json::object& descriptor(std::string_view name) {
  for (const json::value& c : registry()) {
    if (c.at("name").as_string() == name) return c.as_object();
  }
  FAIL("no descriptor " << name);
  static const json::object none;
  return none;
}

std::set<std::string> strings(const json::value& list) {
  std::set<std::string> out;
  for (const json::value& v : list.as_array()) out.emplace(v.as_string());
  return out;
}

// Every "$ref" in the value, with the $defs of `root` it must resolve in.
void check_refs(const json::value& v, const json::object& root, std::string_view where) {
  if (const json::object* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (kv.key() == "$ref") {
        const std::string ref(kv.value().as_string());
        INFO(where << " " << ref);
        REQUIRE(ref.rfind("#/$defs/", 0) == 0);
        CHECK(root.at("$defs").as_object().contains(ref.substr(8)));
      } else {
        check_refs(kv.value(), root, where);
      }
    }
  } else if (const json::array* a = v.if_array()) {
    for (const json::value& x : *a) check_refs(x, root, where);
  }
}

Errc failure(const std::string& request) {
  try {
    Engine::call_stateless(request);
  } catch (const fuma::Error& e) {
    return e.code();
  }
  return static_cast<Errc>(0);
}

}  // namespace

TEST_CASE("fuma.commands lists exactly the commands the dispatcher finds, sorted by name") {
  std::vector<std::string> listed;
  for (const json::value& c : registry()) listed.emplace_back(c.at("name").as_string());
  std::vector<std::string> dispatched;
  for (const engine::Command& c : engine::commands()) dispatched.emplace_back(c.name);
  CHECK(listed == dispatched);
  CHECK(std::is_sorted(listed.begin(), listed.end()));
  CHECK(std::adjacent_find(listed.begin(), listed.end()) == listed.end());
  CHECK(std::find(listed.begin(), listed.end(), "fuma.commands") != listed.end());
  for (const std::string& name : listed) {
    INFO(name);
    CHECK(failure(R"({"command":")" + name + R"(","args":{"no such argument":1}})") !=
          Errc::unknown_command);
  }
}

TEST_CASE("fuma.commands answers ok with the dialect, and refuses arguments") {
  const json::value answer =
      json::parse(Engine::call_stateless(R"({"command":"fuma.commands"})").json);
  CHECK(answer.at("ok").as_bool());
  CHECK(answer.at("dialect").as_string() == kDialect);
  CHECK(failure(R"({"command":"fuma.commands","args":{"all":true}})") == Errc::invalid_argument);
  CHECK(descriptor("fuma.commands").at("tier") == "experimental");
  CHECK(descriptor("application.submit").at("tier") == "stable");
}

TEST_CASE("fuma.commands on an engine is the registry without one") {
  Engine e(fuma::Options{});
  CHECK(json::parse(e.call(R"({"command":"fuma.commands"})").json) ==
        json::parse(Engine::call_stateless(R"({"command":"fuma.commands"})").json));
}

TEST_CASE("every schema stands alone in the declared dialect") {
  for (const json::value& v : registry()) {
    const json::object& c = v.as_object();
    const std::string name(c.at("name").as_string());
    for (const char* part : {"args", "result"}) {
      INFO(name << " " << part);
      const json::object& schema = c.at(part).as_object();
      CHECK(schema.at("$schema").as_string() == kDialect);
      CHECK(schema.at("type").as_string() == "object");
      CHECK(schema.at("additionalProperties") == json::value(false));
      check_refs(schema, schema, name);
    }
  }
}

TEST_CASE("every result schema requires ok: true") {
  for (const json::value& v : registry()) {
    const json::object& result = v.at("result").as_object();
    INFO(v.at("name"));
    CHECK(result.at("required").as_array().front() == "ok");
    CHECK(result.at("properties").at("ok") == json::parse(R"({"const":true})"));
  }
}

TEST_CASE("a command needs the store exactly when its effect is not stateless") {
  for (const engine::Command& c : engine::commands()) {
    INFO(c.name);
    const json::object& d = descriptor(c.name);
    CHECK(d.at("effect").as_string() == (c.effect == engine::Effect::stateless ? "stateless"
                                         : c.effect == engine::Effect::read    ? "read"
                                                                               : "write"));
    const Errc e = failure(R"({"command":")" + std::string(c.name) + R"("})");
    if (c.needs_store()) {
      CHECK(e == Errc::invalid_argument);
    } else {
      // Stateless: it ran, or refused its (missing) arguments, but never for
      // want of an engine.
      try {
        Engine::call_stateless(R"({"command":")" + std::string(c.name) + R"("})");
      } catch (const fuma::Error& err) {
        CHECK(err.detail().find("needs an engine") == std::string::npos);
      }
    }
  }
}

TEST_CASE("every command declares the frame's errors and only codes the library has") {
  for (const engine::Command& c : engine::commands()) {
    INFO(c.name);
    const std::set<std::string> declared = strings(descriptor(c.name).at("errors"));
    CHECK(declared.count("INVALID_ARGUMENT") == 1);
    CHECK(declared.count("INTERNAL") == 1);
    CHECK(declared.count("STORAGE") == (c.needs_store() ? 1u : 0u));
    CHECK(declared.count("STORE_UNAVAILABLE") == (c.needs_store() ? 1u : 0u));
    CHECK(declared.count("FORBIDDEN") == (c.resolves_actor() ? 1u : 0u));
    for (const std::string& name : declared) CHECK(name != "UNKNOWN");
    CHECK(declared.count("UNKNOWN_COMMAND") == 0);
  }
}

TEST_CASE("a step declares the roles and callers the shipped workflow gives its action") {
  const fuma::workflow::Definition& def = fuma::workflow::Definition::standard();
  std::set<std::string> actions;
  for (const auto& t : def.transitions()) actions.insert(t.action);
  std::set<std::string> steps;
  for (const engine::Command& c : engine::commands()) {
    if (c.step.empty()) continue;
    INFO(c.name);
    steps.emplace(c.step);
    unsigned roles = 0;
    for (const auto& t : def.transitions()) {
      if (t.action == c.step) roles |= engine::role_bit(t.role);
    }
    CHECK(c.roles == roles);
    const bool applicant = roles == engine::role_bit(fuma::workflow::Role::applicant);
    CHECK(c.callers == (applicant ? engine::caller::any_unit : engine::caller::any_staff));
    CHECK(descriptor(c.name).at("step").as_string() == c.step);
  }
  CHECK(steps == actions);
}

TEST_CASE("roles are declared only where staff may call, and name staff roles") {
  for (const engine::Command& c : engine::commands()) {
    INFO(c.name);
    if (c.roles == 0 || !c.step.empty()) continue;
    CHECK((c.callers & engine::caller::any_staff) != 0);
    const std::set<std::string> roles = strings(descriptor(c.name).at("roles"));
    for (const std::string& r : roles) {
      const auto role = fuma::workflow::parse_role(r);
      REQUIRE(role.has_value());
      CHECK(*role != fuma::workflow::Role::applicant);
    }
  }
}

TEST_CASE("bytes are declared with their media types") {
  const json::object& upload = descriptor("attachment.upload");
  CHECK(upload.at("takes").at("required").as_bool());
  CHECK(strings(upload.at("takes").at("media_types")) ==
        std::set<std::string>{"application/pdf", "image/jpeg", "image/png"});
  CHECK(upload.at("returns").is_null());
  const json::object& issue = descriptor("credential.issue");
  CHECK(issue.at("returns").at("file_name").as_string() ==
        "登录二维码图片-{uscc}-{generation}.png");
  CHECK(descriptor("credential.verify").at("takes").at("required") == json::value(false));
  CHECK(descriptor("uscc.check").at("takes").is_null());
}

TEST_CASE("every descriptor says who may call it, what it does and its tier") {
  for (const json::value& v : registry()) {
    const json::object& c = v.as_object();
    INFO(c.at("name"));
    CHECK_FALSE(c.at("summary").at("zh").as_string().empty());
    CHECK_FALSE(c.at("summary").at("en").as_string().empty());
    CHECK_FALSE(c.at("callers").as_array().empty());
    CHECK((c.at("tier") == "stable" || c.at("tier") == "experimental"));
  }
}

TEST_CASE("every declared schema compiles, with only keywords the validator checks") {
  for (const engine::Command& c : engine::commands()) {
    INFO(c.name);
    CHECK_NOTHROW(engine::args_schema(c));
    CHECK_NOTHROW(engine::result_schema(c));
  }
}

TEST_CASE("an optional argument may be given as null, as if left out") {
  for (const engine::Command& c : engine::commands()) {
    const json::object& args = descriptor(c.name).at("args").as_object();
    std::set<std::string> required;
    if (const json::value* r = args.if_contains("required")) required = strings(*r);
    for (const auto& kv : args.at("properties").as_object()) {
      if (required.count(std::string(kv.key())) != 0) continue;
      INFO(c.name << " " << kv.key());
      for (const auto& v : engine::args_schema(c).violations(json::object{{kv.key(), nullptr}})) {
        CHECK(v.path != kv.key());
      }
    }
  }
}

TEST_CASE("args the args schema refuses are refused before the handler runs, naming each field") {
  try {
    Engine::call_stateless(
        R"({"command":"uscc.allocate","args":{"authority":"11","division":7,"serial":-1,"x":1}})");
    FAIL("accepted");
  } catch (const fuma::Error& e) {
    CHECK(e.code() == Errc::invalid_argument);
    std::set<std::string> fields;
    for (const fuma::Problem& p : e.problems()) fields.insert(p.field);
    CHECK(fields == std::set<std::string>{"category", "authority", "division", "serial", "x"});
    CHECK(e.detail().rfind("args.category is required", 0) == 0);
    CHECK(e.message() == "缺少必填项等5项问题");
  }
}
