// SPDX-License-Identifier: Apache-2.0
// The frame is the declaration's: a write command whose handler does nothing
// at all still has its actor checked, its audit record written and its
// idempotency key honoured (src/engine/operation.hpp, dispatch.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "engine/calendar.hpp"
#include "engine/command.hpp"
#include "engine/dispatch.hpp"
#include "engine/operation.hpp"
#include "engine/security.hpp"
#include "fuma/attachments.hpp"
#include "fuma/error.hpp"
#include "fuma/workflow.hpp"
#include "guide/guide.hpp"
#include "store/store.hpp"

namespace json = boost::json;
using fuma::Errc;
using fuma::Error;
namespace engine = fuma::engine;
using fuma::workflow::Role;

namespace {

engine::Output nothing(engine::Context&) { return engine::Output{}; }

constexpr engine::Command kNothing = [] {
  engine::Command c;
  c.name = "test.nothing";
  c.summary_zh = "什么也不做";
  c.summary_en = "Does nothing, in the frame of a write.";
  c.callers = engine::caller::system | engine::caller::any_staff;
  c.roles = engine::roles(Role::reviewer);
  c.effect = engine::Effect::write;
  c.takes = engine::Bytes{engine::Presence::optional, "application/octet-stream", {}};
  c.args = R"({"type": "object", "additionalProperties": false, "properties": {}})";
  c.result =
      R"({"type": "object", "additionalProperties": false, "properties": {}, "required": []})";
  c.run = nothing;
  return c;
}();

// Declared a read, yet it asks for the write frame.
engine::Output writes_anyway(engine::Context& ctx) {
  return engine::write_command(
      ctx, [](fuma::store::Transaction&, const engine::Actor&, engine::Audited& audited) {
        audited.target = "nothing";
        return engine::Output{};
      });
}

constexpr engine::Command kMislabelled = [] {
  engine::Command c = kNothing;
  c.name = "test.mislabelled";
  c.effect = engine::Effect::read;
  c.run = writes_anyway;
  return c;
}();

// An engine's parts, dispatching over the shipped commands and the two above.
struct Frame {
  std::unique_ptr<fuma::store::Store> store = fuma::store::open_sqlite("", 1000);
  engine::Security security;
  std::vector<engine::Command> list = [] {
    std::vector<engine::Command> all = engine::commands();
    all.push_back(kNothing);
    all.push_back(kMislabelled);
    std::sort(all.begin(), all.end(),
              [](const engine::Command& a, const engine::Command& b) { return a.name < b.name; });
    return all;
  }();

  Frame() {
    call(R"({"command": "authority.create", "actor": {"system": true},
             "args": {"code": "sz", "name": "深圳市委机构编制委员会办公室", "division": "440300"}})");
    for (const char* who : {"acc1", "rev1"}) {
      const std::string role = who[0] == 'a' ? "acceptor" : "reviewer";
      call(R"({"command": "staff.create", "actor": {"system": true}, "args": {"authority": "sz",
               "username": ")" +
           std::string(who) + R"(", "name": ")" + who + R"(", "roles": [")" + role + R"("]}})");
    }
  }

  fuma::Response call(const std::string& request, std::string_view data = {}) {
    return engine::dispatch(
        list,
        engine::Services{
            store.get(),
            engine::Domain{fuma::workflow::Definition::standard(),
                           fuma::attachments::Rules::standard(), fuma::guide::Guide::standard(),
                           fuma::guide::Locality::standard(), engine::Calendar::standard()},
            &security,
            nullptr,
            {}},
        request, data);
  }

  Errc code_of(const std::string& request) {
    try {
      call(request);
    } catch (const Error& e) {
      return e.code();
    }
    FAIL("no error for " << request);
    return Errc::internal;
  }

  std::vector<fuma::store::AuditRecord> audit(std::string_view command) {
    std::vector<fuma::store::AuditRecord> out;
    store->read([&](fuma::store::Transaction& txn) {
      txn.scan_audit([&](const fuma::store::AuditRecord& r) {
        if (r.command == command) out.push_back(r);
        return true;
      });
    });
    return out;
  }
};

}  // namespace

TEST_CASE("a write whose handler does nothing is audited by the frame") {
  Frame f;
  const fuma::Response r = f.call(R"({"command": "test.nothing", "actor": {"staff": "rev1"}})");
  CHECK(json::parse(r.json) == json::parse(R"({"ok": true})"));
  const auto records = f.audit("test.nothing");
  REQUIRE(records.size() == 1);
  CHECK(records[0].actor.rfind("staff:", 0) == 0);
}

TEST_CASE("a write whose handler does nothing honours its idempotency key") {
  Frame f;
  const std::string request =
      R"({"command": "test.nothing", "actor": {"system": true}, "idempotency_key": "k1"})";
  const fuma::Response first = f.call(request, "bytes");
  const fuma::Response again = f.call(request, "bytes");
  CHECK(again.json == first.json);
  // The repeat is answered from memory: it writes no second record.
  CHECK(f.audit("test.nothing").size() == 1);
  try {
    f.call(request, "other bytes");
    FAIL("the key was taken by other bytes");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::conflict);
  }
  CHECK(f.audit("test.nothing").size() == 1);
}

TEST_CASE("a write whose handler does nothing checks the declared callers and roles") {
  Frame f;
  CHECK(f.code_of(R"({"command": "test.nothing"})") == Errc::forbidden);
  // A session is no kind of actor it declares: refused before any record
  // is read (resolved, this token would be SESSION_EXPIRED).
  CHECK(f.code_of(R"({"command": "test.nothing", "actor": {"session": "abc"}})") ==
        Errc::forbidden);
  CHECK(f.code_of(R"({"command": "test.nothing", "actor": {"staff": "acc1"}})") == Errc::forbidden);
  CHECK(f.code_of(R"({"command": "test.nothing", "actor": {"staff": "nobody"}})") ==
        Errc::forbidden);
  CHECK(f.audit("test.nothing").empty());
}

TEST_CASE("a command declared a read cannot write") {
  Frame f;
  CHECK(f.code_of(R"({"command": "test.mislabelled", "actor": {"staff": "rev1"}})") ==
        Errc::internal);
  CHECK(f.audit("test.mislabelled").empty());
}
