// SPDX-License-Identifier: Apache-2.0
// A process killed with SIGKILL in the middle of a stream of commands: the
// file stays intact, every command Engine::call acknowledged is there when
// the file is opened again, and the audit chain still verifies.

#include <algorithm>
#include <cstring>
#include <map>

#include "fixtures.hpp"
#include "support/killed_writer.hpp"

using namespace fuma::test;

namespace {

// How far a unit's stream got, in order.
enum Step : std::int32_t { registered, started, saved, submitted };

// One acknowledgement; smaller than PIPE_BUF, so each write is whole.
struct Ack {
  char uscc[19] = {};
  std::int32_t step = registered;
  std::int64_t application = 0;
};

fuma::Options options(const std::string& path) {
  fuma::Options o;
  o.path = path;
  o.clock = monday_morning;
  return o;
}

std::string reason_of(const std::string& uscc) { return "证书遗失" + uscc.substr(10); }

// The child: registers units and takes each through start, save and submit,
// acknowledging each command once call() has returned.
template <class Send>
void command_forever(const std::string& path, Send send) {
  {
    fuma::Engine engine(options(path));
    auto call = [&](const std::string& command, const json::object& args,
                    const json::object& actor) {
      return json::parse(engine.call(World::envelope(command, args, actor, {})).json).as_object();
    };
    auto ack = [&](const std::string& uscc, Step step, std::int64_t id) {
      Ack a;
      std::memcpy(a.uscc, uscc.data(), std::min(uscc.size(), sizeof a.uscc - 1));
      a.step = step;
      a.application = id;
      send(a);
    };
    for (;;) {
      const std::string code(call("unit.register",
                                  {{"name", "断电局"},
                                   {"category", "机关"},
                                   {"address", "深圳市福田区福中三路1号"},
                                   {"responsible_person", "张三"}},
                                  staff("acc1"))
                                 .at("uscc")
                                 .as_string());
      ack(code, registered, 0);
      const std::int64_t id = call("application.start", {{"business", "reissue"}}, unit(code))
                                  .at("application")
                                  .at("id")
                                  .as_int64();
      ack(code, started, id);
      call("application.save", {{"id", id}, {"fields", {{"reason", reason_of(code)}}}}, unit(code));
      ack(code, saved, id);
      call("application.submit", {{"id", id}}, unit(code));
      ack(code, submitted, id);
    }
  }
}

std::string raw_integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
  std::string verdict;
  while (sqlite3_step(st) == SQLITE_ROW) {
    verdict += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return verdict;
}

}  // namespace

TEST_CASE("SIGKILL in the middle of a stream of commands loses no acknowledged command") {
  TempDir dir;
  const std::string path = dir.file("fuma.db");
  auto call = [](fuma::Engine& engine, const std::string& command, const json::object& args,
                 const json::object& actor) {
    return json::parse(engine.call(World::envelope(command, args, actor, {})).json).as_object();
  };
  {
    // Set up and close before forking: a SQLite connection (and SQLite's
    // per-process lock bookkeeping) must not be carried across fork().
    fuma::Engine engine(options(path));
    call(engine, "authority.create",
         {{"code", "sz"},
          {"name", "深圳市委机构编制委员会办公室"},
          {"division", "440300"},
          {"segment", "MB"}},
         system_actor());
    call(engine, "staff.create",
         {{"authority", "sz"}, {"username", "acc1"}, {"name", "acc1"}, {"roles", {"acceptor"}}},
         system_actor());
  }
  constexpr std::int64_t kSetupRecords = 2;

  // Each round kills a new writer at a different point of its stream.
  std::map<std::string, Ack> latest;  // unit -> its furthest acknowledged step
  std::int64_t acknowledged = 0;
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    const auto acks =
        kill_midstream<Ack>([&](auto send) { command_forever(path, send); },
                            30 + 13 * static_cast<std::size_t>(round), std::chrono::seconds(120));
    REQUIRE(acks.size() >= 10);
    acknowledged += static_cast<std::int64_t>(acks.size());
    for (const Ack& a : acks) latest[a.uscc] = a;

    CHECK(raw_integrity_check(path) == "ok");

    fuma::Engine engine(options(path));
    for (const auto& [code, a] : latest) {
      INFO("unit " << code << " acknowledged at step " << a.step);
      // Every registration is there, with its certificate.
      auto history = call(engine, "unit.history", {{"uscc", code}}, staff("acc1"));
      CHECK(history.at("ok").as_bool());
      if (a.step == registered) continue;
      auto view = call(engine, "application.view", {{"id", a.application}}, unit(code))
                      .at("application")
                      .as_object();
      const std::string st(view.at("status").at("key").as_string());
      if (a.step == submitted) {
        CHECK(st == "submitted");
      } else {
        // The one command in flight at the kill may have committed unacknowledged.
        CHECK((st == "draft" || st == "submitted"));
      }
      if (a.step >= saved) CHECK(view.at("fields").at("reason").as_string() == reason_of(code));
    }
    auto verdict = call(engine, "audit.verify", {}, system_actor());
    CHECK(verdict.at("intact").as_bool());
    // One record per acknowledged command, plus at most the one in flight
    // at each kill: nothing lost, nothing half-written.
    const std::int64_t records = verdict.at("records").as_int64();
    CHECK(records >= kSetupRecords + acknowledged);
    CHECK(records <= kSetupRecords + acknowledged + round + 1);
  }
  MESSAGE(acknowledged << " acknowledged commands over " << kRounds
                       << " killed processes, none lost");
}
